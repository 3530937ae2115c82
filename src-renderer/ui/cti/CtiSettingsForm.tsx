import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CtiButton, CtiEvent, type CtiSettings, type SettingsView } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';

const FLAGS = ['enabled', 'showOnRing', 'showOnAnswer', 'skipInternal', 'autoOpenReception'] as const;

/** 顧客情報表示・CTI連動: when the caller panel opens, its three buttons' URL templates, and the
 *  webhooks. Main validates every template (https only, placeholders never in the host). */
export function CtiSettingsForm(props: { bridge: TsunaguApi; settings: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { bridge } = props;
  const { t } = useTranslation();
  const [cti, setCti] = useState<CtiSettings>(props.settings.cti);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const save = async () => {
    setSaved(false);
    const result = await bridge.settings.setCti(cti);
    if (result.ok) {
      setErrors({});
      setSaved(true);
      props.onSaved(result.value);
      return;
    }
    const next: Record<string, string> = {};
    for (const issue of result.error.issues ?? []) next[issue.path] ??= issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
    setErrors(next);
  };

  const template = (path: string, value: string, onChange: (value: string) => void) => (
    <label key={path} className="field">
      <span>{t(`cti.${path}`)}</span>
      <input
        data-testid={`cti-${path.replace('.', '-')}`}
        value={value}
        placeholder="https://crm.example.jp/customer?tel={number}"
        spellCheck={false}
        aria-invalid={errors[path] ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {errors[path] && (
        <span className="field-error" data-testid={`cti-error-${path.replace('.', '-')}`}>
          {t(errors[path])}
        </span>
      )}
    </label>
  );

  return (
    <section data-testid="cti-settings">
      <h2>{t('cti.title')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        noValidate
      >
        {FLAGS.map((flag) => (
          <label key={flag} className="check">
            <input type="checkbox" data-testid={`cti-${flag}`} checked={cti[flag]} onChange={(e) => setCti({ ...cti, [flag]: e.target.checked })} />
            <span>{t(`cti.${flag}`)}</span>
          </label>
        ))}
        <label className="field">
          <span>{t('cti.internalMaxDigits')}</span>
          <input
            type="number"
            min={1}
            max={8}
            data-testid="cti-internalMaxDigits"
            value={cti.internalMaxDigits}
            onChange={(e) => setCti({ ...cti, internalMaxDigits: Number(e.target.value) || 1 })}
          />
        </label>
        <p className="hint">{t('cti.placeholders')}</p>
        {CtiButton.options.map((button) => template(`urls.${button}`, cti.urls[button], (value) => setCti({ ...cti, urls: { ...cti.urls, [button]: value } })))}
        <h3>{t('cti.webhooksTitle')}</h3>
        {CtiEvent.options.map((event) => template(`webhooks.${event}`, cti.webhooks[event], (value) => setCti({ ...cti, webhooks: { ...cti.webhooks, [event]: value } })))}
        <button type="submit" className="action save" data-testid="cti-save">
          {t('settings.save')}
        </button>
        {saved && (
          <span className="saved" data-testid="cti-saved">
            {t('settings.saved')}
          </span>
        )}
      </form>
    </section>
  );
}
