import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getBridge } from './app/bridge';
import { PhoneController } from './app/phone-controller';
import { initI18n, resolveLanguage } from './i18n';
import { createPhoneEngine } from './phone/sipjs-engine';
import { App } from './ui/App';
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

async function boot(): Promise<void> {
  const bridge = getBridge();
  const settings = await bridge.settings.get();
  const initial = settings.ok ? settings.value : null;
  await initI18n(resolveLanguage(initial?.language ?? 'system', initial?.systemLocale ?? navigator.language));

  const controller = new PhoneController(createPhoneEngine({ instanceId: installationInstanceId() }), bridge);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App bridge={bridge} controller={controller} initialSettings={initial} />
    </StrictMode>,
  );
  // Unregister cleanly when the window goes away, so the PBX stops forking calls to us at once.
  window.addEventListener('pagehide', () => void controller.stop());
  await controller.start();
}

void boot();
