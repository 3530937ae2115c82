import { useTranslation } from 'react-i18next';
import type { Language } from '../../src-preload/contract';
import { AccountsSettings, type AccountsSettingsProps } from './accounts/AccountsSettings';
import { CtiSettingsForm } from './cti/CtiSettingsForm';
import { DesktopSettings } from './DesktopSettings';
import { AudioSettings } from './settings/AudioSettings';
import { CallButtonsSettings } from './linepad/CallButtonsSettings';
import { WebPhonebookSettings } from './webphonebook/WebPhonebookSettings';

export function SettingsPanel(props: AccountsSettingsProps) {
  const { bridge, settings, inCall } = props;
  const { t } = useTranslation();
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
      <AccountsSettings bridge={bridge} settings={settings} inCall={inCall} onSaved={props.onSaved} provision={props.provision} />
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
      {settings && <CtiSettingsForm bridge={bridge} settings={settings} onSaved={props.onSaved} />}
      {settings && <AudioSettings bridge={bridge} settings={settings} onSaved={props.onSaved} />}
      {settings && <DesktopSettings bridge={bridge} settings={settings} onSaved={props.onSaved} />}
    </section>
  );
}
