import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getBridge } from './app/bridge';
import { PhoneController } from './app/phone-controller';
import { initI18n, resolveLanguage } from './i18n';
import { createPhoneEngine } from './phone/sipjs-engine';
import { App } from './ui/App';
import './ui/styles.css';

async function boot(): Promise<void> {
  const bridge = getBridge();
  const settings = await bridge.settings.get();
  const initial = settings.ok ? settings.value : null;
  await initI18n(resolveLanguage(initial?.language ?? 'system', initial?.systemLocale ?? navigator.language));

  const controller = new PhoneController(createPhoneEngine(), bridge);
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
