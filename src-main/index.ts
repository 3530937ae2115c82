// Composition root of the main process: creates the services, wires them to Electron, opens the
// window. No logic lives here; each concern is a module with its own tests.
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import ElectronStore from 'electron-store';
import { join } from 'node:path';
import { createMainServices, SETTINGS_FILE_NAME } from './app/main-services';
import { DatabaseTooNewError } from './db/migrate';
import { createEventSender } from './ipc/events';
import { registerIpc } from './ipc/register-ipc';
import { createConsoleLogger } from './support/log';
import { systemClock } from './support/service-error';
import { registerAppScheme, serveAppFiles } from './window/app-protocol';
import { appPageUrl, hardenWebContents, mainWindowOptions, restrictPermissions } from './window/main-window';
import { APP_ORIGIN, contentSecurityPolicy } from './window/security-policy';

const log = createConsoleLogger('main');
const outDir = join(import.meta.dirname, '..');

registerAppScheme(protocol);

// One Tsunagu per user: a second copy would register the same SIP account twice and both
// would ring. (Issue #6 adds handing links from the second launch to the first.)
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Every web contents, including any we do not create ourselves, gets the same lock-down.
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, { openExternal: (url) => shell.openExternal(url), log });
  });
  app.whenReady().then(start, (error: unknown) => {
    log.error('failed to start', error);
    app.exit(1);
  });
}

function secretBackendName(): string {
  if (process.platform === 'linux') return safeStorage.getSelectedStorageBackend();
  return process.platform === 'darwin' ? 'keychain' : 'dpapi';
}

async function start(): Promise<void> {
  let services: ReturnType<typeof createMainServices>;
  try {
    services = createMainServices({
      userDataDir: app.getPath('userData'),
      openSettingsDocument: () =>
        new ElectronStore<Record<string, unknown>>({ name: SETTINGS_FILE_NAME.replace(/\.json$/, ''), clearInvalidConfig: false }),
      cipher: safeStorage,
      secretBackend: secretBackendName(),
      systemLocale: app.getLocale(),
      trustedOrigin: APP_ORIGIN,
      clock: systemClock,
      log,
    });
  } catch (error) {
    const message =
      error instanceof DatabaseTooNewError
        ? 'この履歴データベースは新しいバージョンの Tsunagu で作成されています。Tsunagu を更新してください。\nThe history database was created by a newer Tsunagu. Please update Tsunagu.'
        : `Tsunagu を起動できません / Tsunagu cannot start: ${error instanceof Error ? error.message : String(error)}`;
    dialog.showErrorBox('Tsunagu', message);
    app.exit(1);
    return;
  }
  app.on('will-quit', () => services.close());

  registerIpc(ipcMain, services.dispatch);
  restrictPermissions(session.defaultSession);
  serveAppFiles(session.defaultSession.protocol, join(outDir, 'renderer'), () => {
    const account = services.settings.view().account;
    return contentSecurityPolicy(account ? [account.wsServer] : []);
  });

  const window = new BrowserWindow(mainWindowOptions(join(outDir, 'preload', 'index.cjs')));
  const send = createEventSender((channel, payload) => {
    if (!window.isDestroyed()) window.webContents.send(channel, payload);
  });
  services.settings.onChange((view) => send('tsunagu:event:settings-changed', view));
  window.once('ready-to-show', () => window.show());
  await window.loadURL(appPageUrl());
}
