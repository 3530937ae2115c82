import { useTranslation } from 'react-i18next';
import type { RegistrationState } from '../phone/types';

/** The registration lamp: green 通話可能, amber while registering, red with the reason. */
export function StatusLamp({ configured, registration }: { configured: boolean; registration: RegistrationState }) {
  const { t } = useTranslation();
  let tone: 'ok' | 'busy' | 'error' | 'off';
  let label: string;
  let detail: string | null = null;
  if (!configured) {
    tone = 'off';
    label = t('lamp.notConfigured');
  } else if (registration.kind === 'registered') {
    tone = 'ok';
    label = t('lamp.registered');
  } else if (registration.kind === 'registering') {
    tone = 'busy';
    label = t('lamp.registering');
  } else if (registration.kind === 'failed') {
    tone = 'error';
    label = t(`lamp.failed.${registration.reason}`);
    detail = registration.reason === 'unreachable' ? t('lamp.retrying') : registration.detail;
  } else {
    tone = 'off';
    label = t('lamp.unregistered');
  }
  return (
    <div className={`lamp lamp-${tone}`} data-testid="registration-lamp" data-state={tone} role="status" aria-live="polite">
      <span className="lamp-dot" aria-hidden="true" />
      <span className="lamp-label" data-testid="registration-label">{label}</span>
      {detail && <span className="lamp-detail" data-testid="registration-detail">{detail}</span>}
    </div>
  );
}
