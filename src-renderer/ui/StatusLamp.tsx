import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RegistrationState } from '../phone/types';

/** Re-renders every second while a countdown is shown. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/**
 * The registration lamp: green 通話可能, amber while registering or reconnecting (再接続中, with
 * the reason and when the next try is), red when it needs the user (wrong password, refused).
 */
export function StatusLamp({ configured, registration }: { configured: boolean; registration: RegistrationState }) {
  const { t } = useTranslation();
  const retryAt = registration.kind === 'failed' ? registration.retryAt : undefined;
  const now = useNow(retryAt !== undefined);
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
  } else if (registration.kind === 'failed' && registration.reason === 'unreachable') {
    // Not the user's to fix: the phone is on it, and says so.
    tone = 'busy';
    label = t('lamp.reconnecting');
    const why = t(registration.lost ? 'lamp.connectionLost' : 'lamp.failed.unreachable');
    const seconds = retryAt === undefined ? 0 : Math.ceil((retryAt - now) / 1000);
    detail = seconds > 0 ? `${why}（${t('lamp.retryIn', { seconds })}）` : why;
  } else if (registration.kind === 'failed') {
    tone = 'error';
    label = t(`lamp.failed.${registration.reason}`);
    detail = registration.detail;
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
