import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountSettings, BridgeError, Language, SettingsView } from '../../src-preload/contract';
import type { TsunaguApi } from '../../src-preload/api';
import { DesktopSettings } from './DesktopSettings';
import { CallButtonsSettings } from './linepad/CallButtonsSettings';
import { WebPhonebookSettings } from './webphonebook/WebPhonebookSettings';

const EMPTY: AccountSettings = {
  user: '',
  authorizationUser: '',
  domain: '',
  wsServer: 'wss://',
  outboundProxy: '',
  displayName: '',
  serviceCode: '',
};

const FIELDS: { key: keyof AccountSettings; type?: string; placeholder?: string }[] = [
  { key: 'user' },
  { key: 'domain', placeholder: 'pbx.example.jp' },
  { key: 'wsServer', type: 'url', placeholder: 'wss://pbx.example.jp:7443/ws' },
  { key: 'displayName' },
  { key: 'authorizationUser' },
  { key: 'outboundProxy', placeholder: 'sip:proxy.example.jp;transport=ws' },
  { key: 'serviceCode' },
];

function fieldErrors(error: BridgeError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues ?? []) {
    const field = issue.path.replace(/^account\./, '');
    // Messages are i18n keys; anything else (a non-user field) gets the generic text.
    errors[field] ??= issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
  }
  return errors;
}

export function SettingsPanel(props: { bridge: TsunaguApi; settings: SettingsView | null; inCall: boolean; onSaved: (view: SettingsView) => void }) {
  const { bridge, settings, inCall } = props;
  const { t } = useTranslation();
  const [account, setAccount] = useState<AccountSettings>(settings?.account ?? EMPTY);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    const result = await bridge.settings.saveAccount(password ? { account, password } : { account });
    setSaving(false);
    if (!result.ok) {
      setErrors(fieldErrors(result.error));
      if (result.error.code !== 'invalid-payload') setFormError(`errors.${result.error.code === 'secret-storage-unavailable' ? 'secret-storage-unavailable' : 'generic'}`);
      return;
    }
    props.onSaved(result.value);
    // Reload so the page comes back under a CSP naming the new server and registers afresh.
    window.location.reload();
  };

  const setLanguage = async (language: Language) => {
    const result = await bridge.settings.setLanguage(language);
    if (result.ok) props.onSaved(result.value);
  };

  return (
    <section className="settings">
      {settings?.recoveredFromCorruptFile && <p className="notice" role="alert">{t('settings.recovered')}</p>}
      {settings?.databaseRecoveredFrom && (
        <p className="notice" role="alert" data-testid="database-recovered">
          {t('settings.databaseRecovered', { file: settings.databaseRecoveredFrom })}
        </p>
      )}
      {settings?.secretStorage.weak && <p className="notice" data-testid="weak-secrets">{t('settings.weakSecrets')}</p>}
      <form onSubmit={(e) => void save(e)} noValidate data-testid="account-form">
        <h2>{t('settings.account')}</h2>
        {FIELDS.map(({ key, type, placeholder }) => (
          <label key={key} className="field">
            <span>{t(`settings.${key}`)}</span>
            <input
              name={key}
              data-testid={`account-${key}`}
              type={type ?? 'text'}
              value={account[key]}
              placeholder={placeholder}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={errors[key] ? true : undefined}
              onChange={(e) => setAccount({ ...account, [key]: e.target.value })}
            />
            {errors[key] && <span className="field-error" data-testid={`error-${key}`}>{t(errors[key])}</span>}
          </label>
        ))}
        <label className="field">
          <span>{t('settings.keepaliveSec')}</span>
          <input
            name="keepaliveSec"
            data-testid="account-keepaliveSec"
            type="number"
            min={0}
            max={3600}
            value={account.keepaliveSec ?? 30}
            aria-invalid={errors.keepaliveSec ? true : undefined}
            onChange={(e) => setAccount({ ...account, keepaliveSec: e.target.value === '' ? 0 : Number(e.target.value) })}
          />
          {errors.keepaliveSec && <span className="field-error" data-testid="error-keepaliveSec">{t(errors.keepaliveSec)}</span>}
        </label>
        <label className="field">
          <span>{t('settings.dtmfMode')}</span>
          <select data-testid="account-dtmfMode" value={account.dtmfMode ?? 'rfc4733'} onChange={(e) => setAccount({ ...account, dtmfMode: e.target.value === 'info' ? 'info' : 'rfc4733' })}>
            <option value="rfc4733">{t('settings.dtmfRfc4733')}</option>
            <option value="info">{t('settings.dtmfInfo')}</option>
          </select>
        </label>
        <label className="field">
          <span>
            {t('settings.password')} {settings?.hasPassword && <small>{t('settings.passwordKeep')}</small>}
          </span>
          <input name="password" data-testid="account-password" type="password" value={password} autoComplete="new-password" onChange={(e) => setPassword(e.target.value)} />
        </label>
        {formError && <p className="error" role="alert" data-testid="settings-error">{t(formError)}</p>}
        <button type="submit" className="action save" data-testid="save-account" disabled={saving || inCall} title={inCall ? t('settings.busy') : ''}>
          {t('settings.save')}
        </button>
      </form>
      <label className="field">
        <span>{t('settings.language')}</span>
        <select data-testid="language" value={settings?.language ?? 'system'} onChange={(e) => void setLanguage(e.target.value as Language)}>
          <option value="system">{t('settings.languageSystem')}</option>
          <option value="ja">日本語</option>
          <option value="en">English</option>
        </select>
      </label>
      {settings && <CallButtonsSettings bridge={bridge} settings={settings} onSaved={props.onSaved} />}
      {settings && <WebPhonebookSettings bridge={bridge} settings={settings} onSaved={props.onSaved} />}
      {settings && <DesktopSettings bridge={bridge} settings={settings} onSaved={props.onSaved} />}
    </section>
  );
}
