import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getBridge } from './app/bridge';
import { PhoneController } from './app/phone-controller';
import { initI18n, resolveLanguage } from './i18n';
import { AudioRouting } from './phone/audio-devices';
import { createPhoneEngine, type PhoneEngineLogger } from './phone/sipjs-engine';
import { App } from './ui/App';
import { AudioRoutingProvider } from './ui/DeviceNotice';
import './ui/styles.css';

/**
 * This installation's SIP instance ID (+sip.instance), kept in the page's storage: after a
 * restart or a crash the registrar recognises the same device and replaces its old binding
 * instead of ringing a dead one beside the new. Not a secret.
 */
function installationInstanceId(): string | undefined {
  try {
    const key = 'tsunagu.sipInstanceId';
    const stored = localStorage.getItem(key);
    if (stored && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(stored)) return stored;
    const fresh = crypto.randomUUID();
    localStorage.setItem(key, fresh);
    return fresh;
  } catch {
    // Storage unavailable: the engine makes one per start.
    return undefined;
  }
}

/**
 * The engine's warnings and errors (e.g. "REGISTER failed: sip:403 (auth)") go to the window's
 * console, where the developer tools, and the tests, read them; without a logger they would be
 * dropped. The engine never logs passwords or whole SIP messages (see PhoneEngineLogger), and
 * info/debug stay out so the console holds only what explains a failure.
 */
function consoleLogger(accountId: string): PhoneEngineLogger {
  return (level, message) => {
    if (level === 'warn') console.warn(`[phone ${accountId}] ${message}`);
    else if (level === 'error') console.error(`[phone ${accountId}] ${message}`);
  };
}

async function boot(): Promise<void> {
  const bridge = getBridge();
  const settings = await bridge.settings.get();
  const initial = settings.ok ? settings.value : null;
  await initI18n(resolveLanguage(initial?.language ?? 'system', initial?.systemLocale ?? navigator.language));

  // One engine per enabled account, all with this installation's instance id: +sip.instance
  // names the device, and a registrar keys each account's bindings by it separately.
  const instanceId = installationInstanceId();
  // デバイス設定: one routing for the page, shared by every engine (the microphone) and the UI
  // (speaker, ringer, notices). It follows main's saved choices and the OS's device changes.
  const audioRouting = new AudioRouting(navigator.mediaDevices as MediaDevices | undefined, initial?.audio ?? null);
  bridge.onSettingsChanged((view) => audioRouting.setSettings(view.audio));
  void audioRouting.start();
  const controller = new PhoneController(
    (accountId) => createPhoneEngine({ instanceId, microphone: audioRouting, logger: consoleLogger(accountId) }),
    bridge,
  );
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AudioRoutingProvider routing={audioRouting}>
        <App bridge={bridge} controller={controller} initialSettings={initial} />
      </AudioRoutingProvider>
    </StrictMode>,
  );
  // Unregister cleanly when the window goes away, so the PBX stops forking calls to us at once.
  window.addEventListener('pagehide', () => void controller.stop());
  await controller.start();
}

void boot();
