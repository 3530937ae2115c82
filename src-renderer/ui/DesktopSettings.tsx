import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DesktopPreferences, DesktopStatus, SettingsView, ShortcutAction } from '../../src-preload/contract';
import type { TsunaguApi } from '../../src-preload/api';

const FLAGS = ['dialImmediately', 'confirmBeforeDial', 'closeToTray', 'startMinimized', 'startAtLogin', 'bringToFrontOnRing', 'doNotDisturb'] as const;
const ACTIONS: ShortcutAction[] = ['answer', 'hangup', 'mute', 'focusDialer'];

/** Tray, start-up, link and shortcut behaviour. Saved as a whole through the bridge; main
 *  applies it (login item, global shortcuts) and reports shortcuts the OS refused. */
export function DesktopSettings(props: { bridge: TsunaguApi; settings: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { bridge } = props;
  const { t } = useTranslation();
  const [prefs, setPrefs] = useState<DesktopPreferences>(props.settings.desktop);
  const [status, setStatus] = useState<DesktopStatus>({ shortcutConflicts: [] });
  const [invalid, setInvalid] = useState<string[]>([]);

  useEffect(() => {
    let live = true;
    void bridge.desktop.getStatus().then((result) => {
      if (live && result.ok) setStatus(result.value);
    });
    const off = bridge.onDesktopStatus(setStatus);
    return () => {
      live = false;
      off();
    };
  }, [bridge]);

  const save = async (next: DesktopPreferences) => {
    setPrefs(next);
    const result = await bridge.settings.setDesktop(next);
    if (result.ok) {
      setInvalid([]);
      props.onSaved(result.value);
    } else {
      setInvalid((result.error.issues ?? []).map((issue) => issue.path));
    }
  };

  return (
    <section data-testid="desktop-settings">
      <h2>{t('settings.desktop')}</h2>
      {FLAGS.map((flag) => (
        <label key={flag} className="check">
          <input type="checkbox" data-testid={`desktop-${flag}`} checked={prefs[flag]} onChange={(e) => void save({ ...prefs, [flag]: e.target.checked })} />
          <span>{t(`settings.${flag}`)}</span>
        </label>
      ))}
      <h2>{t('settings.shortcuts')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(prefs);
        }}
        noValidate
      >
        {ACTIONS.map((action) => (
          <label key={action} className="field">
            <span>{t(`settings.shortcut.${action}`)}</span>
            <input
              data-testid={`shortcut-${action}`}
              value={prefs.shortcuts[action]}
              placeholder={t('settings.shortcutPlaceholder')}
              spellCheck={false}
              aria-invalid={invalid.includes(`shortcuts.${action}`) || status.shortcutConflicts.includes(action) ? true : undefined}
              onChange={(e) => setPrefs({ ...prefs, shortcuts: { ...prefs.shortcuts, [action]: e.target.value } })}
            />
            {invalid.includes(`shortcuts.${action}`) && <span className="field-error">{t('validation.accelerator')}</span>}
            {status.shortcutConflicts.includes(action) && (
              <span className="field-error" data-testid={`conflict-${action}`}>
                {t('settings.shortcutConflict')}
              </span>
            )}
          </label>
        ))}
        <button type="submit" className="action save" data-testid="save-desktop">
          {t('settings.saveDesktop')}
        </button>
      </form>
    </section>
  );
}
