import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { SettingsView } from '../../src-preload/contract';
import type { TsunaguApi } from '../../src-preload/api';
import type { PhoneController } from '../app/phone-controller';
import { resolveLanguage } from '../i18n';
import type { PendingProvision } from './accounts/AccountsSettings';
import { ConfirmDialog } from './ConfirmDialog';
import { DeviceNotice } from './DeviceNotice';
import { CtiPanel } from './cti/CtiPanel';
import { HistoryPanel } from './HistoryPanel';
import { LinePad } from './linepad/LinePad';
import { normalizeDialInput } from './keypad/dial-string';
import { PhonebookPanel } from './phonebook/PhonebookPanel';
import { PhonePanel } from './PhonePanel';
import { SettingsPanel } from './SettingsPanel';
import { StatusLamp } from './StatusLamp';

type Tab = 'phone' | 'phonebook' | 'history' | 'settings';

export function App(props: { bridge: TsunaguApi; controller: PhoneController; initialSettings: SettingsView | null }) {
  const { bridge, controller } = props;
  const { t, i18n } = useTranslation();
  const view = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const [settings, setSettings] = useState(props.initialSettings);
  const [tab, setTab] = useState<Tab>(props.initialSettings?.accounts.some((a) => a.enabled) ? 'phone' : 'settings');
  const [dialInput, setDialInput] = useState('');
  const [confirmDial, setConfirmDial] = useState<{ number: string; name: string } | null>(null);
  const [provision, setProvision] = useState<PendingProvision | null>(null);

  const dialNow = (number: string) => {
    const target = normalizeDialInput(number);
    setTab('phone');
    setDialInput(target);
    if (target) void controller.dial(target);
  };
  // Calling from the phonebook or history asks first, as users know it (a setting turns it off).
  const requestDial = (number: string, name: string) => {
    if (settings?.desktop.confirmBeforeDial ?? true) setConfirmDial({ number, name });
    else dialNow(number);
  };

  useEffect(() => bridge.onSettingsChanged(setSettings), [bridge]);
  useEffect(() => {
    if (settings) void i18n.changeLanguage(resolveLanguage(settings.language, settings.systemLocale));
  }, [settings, i18n]);
  // Links clicked elsewhere (tel:, sip:, …) arrive here: fill the keypad, or dial at once.
  useEffect(
    () =>
      bridge.onDialRequest(({ target, dialImmediately }) => {
        setTab('phone');
        setDialInput(target);
        if (dialImmediately) void controller.dial(target);
      }),
    [bridge, controller],
  );
  // A clicked tsunagu://provision link opens the account form filled in, for the user to confirm.
  useEffect(
    () =>
      bridge.onProvisionRequest((entry) => {
        setTab('settings');
        setProvision((previous) => ({ entry, seq: (previous?.seq ?? 0) + 1 }));
      }),
    [bridge],
  );
  useEffect(() => bridge.onCallCommand((command) => controller.handleCommand(command)), [bridge, controller]);
  useEffect(() => bridge.onConnectivityCheck(() => controller.checkConnection()), [bridge, controller]);
  useEffect(() => {
    controller.setDoNotDisturb(settings?.desktop.doNotDisturb ?? false);
    if (settings) controller.setButtons(settings.callButtons);
  }, [controller, settings]);
  // Last of the subscriptions above (effects run in order): only now can main deliver what it
  // queued, such as a link clicked while the app was starting.
  useEffect(() => {
    void bridge.app.rendererReady();
  }, [bridge]);
  // A focus-the-dialer shortcut brings the phone tab forward.
  const [focusSeen, setFocusSeen] = useState(0);
  if (view.focusDialerRequests !== focusSeen) {
    setFocusSeen(view.focusDialerRequests);
    setTab('phone');
  }

  // An incoming call always shows the phone tab, whatever tab the user was on.
  const shownTab: Tab = view.lines.some((line) => line.phase === 'ringing') ? 'phone' : tab;

  return (
    <div className="app">
      <header className="app-header">
        {view.accounts.length > 1 ? (
          // Several lines registered at once: each has its own lamp, as on a multi-line desk phone.
          <ul className="account-lamps" data-testid="account-lamps">
            {view.accounts.map((account) => (
              <li key={account.id} className="account-status" data-testid="account-status" data-account-id={account.id} data-state={account.registration.kind}>
                <StatusLamp configured registration={account.registration} />
                <span className="account" data-testid="account-label">
                  {account.label}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <>
            <StatusLamp configured={view.configured} registration={view.registration} />
            {view.accounts[0] && (
              <span className="account" data-testid="account-label">
                {view.accounts[0].label}
              </span>
            )}
          </>
        )}
      </header>
      <nav className="tabs" role="tablist">
        {(['phone', 'phonebook', 'history', 'settings'] as const).map((name) => (
          <button key={name} role="tab" aria-selected={shownTab === name} className={shownTab === name ? 'tab active' : 'tab'} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
            {t(`tabs.${name}`)}
          </button>
        ))}
      </nav>
      <main className="content">
        {shownTab === 'phone' && (
          <div className="phone-tab">
            <DeviceNotice />
            <PhonePanel controller={controller} view={view} dialInput={dialInput} setDialInput={setDialInput} selectedLine={view.selectedLine === null ? null : (settings?.callButtons.lines[view.selectedLine]?.label ?? null)}
            />
            {settings && view.configured && <LinePad controller={controller} view={view} buttons={settings.callButtons} />}
            {settings && <CtiPanel bridge={bridge} view={view} cti={settings.cti} />}
          </div>
        )}
        {shownTab === 'phonebook' && <PhonebookPanel bridge={bridge} onDial={requestDial} web={{ enabled: settings?.webPhonebook.enabled ?? false, hasPage: Boolean(settings?.webPhonebook.webPageUrl) }} />}
        {shownTab === 'history' && <HistoryPanel bridge={bridge} version={view.historyVersion} onDial={requestDial} />}
        {shownTab === 'settings' && <SettingsPanel bridge={bridge} settings={settings} inCall={view.lines.length > 0} onSaved={setSettings} provision={provision} />}
      </main>
      {confirmDial && (
        <ConfirmDialog
          message={t('phonebook.confirmDial', { name: confirmDial.name || confirmDial.number })}
          onNo={() => setConfirmDial(null)}
          onYes={() => {
            setConfirmDial(null);
            dialNow(confirmDial.number);
          }}
        />
      )}
    </div>
  );
}
