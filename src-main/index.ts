// Composition root of the main process: creates the services, wires them to Electron, opens the
// window. No logic lives here; each concern is a module with its own tests.
import { app, BrowserWindow, dialog, ipcMain, Notification, powerMonitor, protocol, safeStorage, screen, session, shell } from 'electron';
import ElectronStore from 'electron-store';
import { join, resolve } from 'node:path';
import { resolveUiLanguage } from '../src-preload/language';
import { createMainServices, SETTINGS_FILE_NAME, type MainServices } from './app/main-services';
import { DatabaseLockedError } from './db/database';
import { DatabaseTooNewError } from './db/migrate';
import { createElectronPorts } from './desktop/electron-ports';
import { registerIpc } from './ipc/register-ipc';
import { LINK_SCHEMES } from './protocol/link-parser';
import { createConsoleLogger } from './support/log';
import { startAutoUpdate } from './update/auto-update';
import { systemClock } from './support/service-error';
import { TRAY_LABELS } from './tray/tray-presentation';
import { registerAppScheme, serveAppFiles } from './window/app-protocol';
import { appPageUrl, hardenWebContents, mainWindowOptions, restrictPermissions } from './window/main-window';
import { APP_ORIGIN, contentSecurityPolicy } from './window/security-policy';
import { applyWindowBehaviour, fitBounds, shouldStartHidden } from './window/window-behaviour';

const log = createConsoleLogger('main');
const outDir = join(import.meta.dirname, '..');
const assetsDir = app.isPackaged ? process.resourcesPath : join(outDir, '..', 'assets');

registerAppScheme(protocol);

let services: MainServices | null = null;
let window: BrowserWindow | null = null;
let quitting = false;
// macOS delivers links through open-url, possibly before the app is ready: hold them.
const earlyLinks: string[] = [];

// One Tsunagu per user: a second copy would register the same SIP account twice and both
// would ring. A second launch (e.g. a clicked tel: link on Windows/Linux) hands its command
// line to this instance and exits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    if (!services) return;
    if (!services.alerts.handleToastActivation(argv) && !services.links.handleArgv(argv)) showWindow();
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    if (services) services.links.handleLink(url);
    else earlyLinks.push(url);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  // Every web contents, including any we do not create ourselves, gets the same lock-down.
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, { openExternal: (url) => shell.openExternal(url), log });
  });
  app.whenReady().then(start, (error: unknown) => {
    log.error('failed to start', error);
    app.exit(1);
  });
}

function showWindow(): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function secretBackendName(): string {
  if (process.platform === 'linux') return safeStorage.getSelectedStorageBackend();
  return process.platform === 'darwin' ? 'keychain' : 'dpapi';
}

/** The OS opens call links with this app. The `--` ends Chromium's switch parsing, so a crafted
 *  link can never become a command-line switch (CVE-2018-1000006). In development the command
 *  is `electron <app path> -- <link>`. On Windows, setAsDefaultProtocolClient would overwrite
 *  HKCU\Software\Classes\tel (taking it from Teams or Zoom, and surviving uninstall); there the
 *  installer registers Capabilities/URLAssociations and the user picks us in Default Apps, so at
 *  run time only our own scheme is claimed. */
function registerLinkSchemes(): void {
  const args = process.defaultApp && process.argv[1] ? [resolve(process.argv[1]), '--'] : ['--'];
  const schemes = process.platform === 'win32' ? (['tsunagu'] as const) : LINK_SCHEMES;
  for (const scheme of schemes) app.setAsDefaultProtocolClient(scheme, process.execPath, args);
}

async function start(): Promise<void> {
  const ports = createElectronPorts({
    assetsDir,
    getWindow: () => window,
    toggleDoNotDisturb: () => {
      const desktop = services!.settings.view().desktop;
      services!.settings.setDesktop({ ...desktop, doNotDisturb: !desktop.doNotDisturb });
    },
    quit: () => app.quit(),
    isDoNotDisturb: () => services?.settings.view().desktop.doNotDisturb ?? false,
    // The tray is first drawn while the services are still being built: fall back to the OS locale.
    labels: () => {
      const view = services?.settings.view();
      return TRAY_LABELS[resolveUiLanguage(view?.language ?? 'system', view?.systemLocale ?? app.getLocale())];
    },
  });
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
      desktop: ports,
      platform: process.platform,
    });
  } catch (error) {
    const message =
      error instanceof DatabaseTooNewError
        ? 'この履歴データベースは新しいバージョンの Tsunagu で作成されています。Tsunagu を更新してください。\nThe history database was created by a newer Tsunagu. Please update Tsunagu.'
        : error instanceof DatabaseLockedError
          ? '履歴データベースが他のプログラムで使用中のため開けません。ほかの Tsunagu やバックアップ・同期ソフトを終了してから、もう一度起動してください。\nThe history database is locked by another program. Close any other Tsunagu and backup or sync tools, then start Tsunagu again.'
          : `Tsunagu を起動できません / Tsunagu cannot start: ${error instanceof Error ? error.message : String(error)}`;
    dialog.showErrorBox('Tsunagu', message);
    app.exit(1);
    return;
  }
  const main = services;
  app.on('will-quit', () => main.close());
  powerMonitor.on('resume', () => main.systemResumed('resume'));
  powerMonitor.on('unlock-screen', () => main.systemResumed('unlock'));

  registerIpc(ipcMain, main.dispatch);
  restrictPermissions(session.defaultSession);
  serveAppFiles(session.defaultSession.protocol, join(outDir, 'renderer'), () => {
    // The page may open WebSockets to the servers of its enabled accounts, and nowhere else.
    return contentSecurityPolicy(main.settings.view().accounts.filter((entry) => entry.enabled).map((entry) => entry.account.wsServer));
  });
  registerLinkSchemes();
  // Windows toast buttons (応答 / 拒否) and clicks, including a click that cold-starts the app.
  if (process.platform === 'win32') Notification.handleActivation((details) => main.alerts.handleToastActivation([details.arguments]));

  const bounds = fitBounds(main.settings.windowBounds(), screen.getAllDisplays().map((d) => d.workArea));
  window = new BrowserWindow({ ...mainWindowOptions(join(outDir, 'preload', 'index.cjs')), ...(bounds ?? {}) });
  const contents = window.webContents;
  main.events.attach((channel, payload) => {
    if (!contents.isDestroyed()) contents.send(channel, payload);
  });
  // A reloading page is not listening: links wait until it says it is ready again.
  contents.on('did-start-loading', () => main.links.rendererGone());
  applyWindowBehaviour(window, {
    closeToTray: () => main.settings.view().desktop.closeToTray,
    isQuitting: () => quitting,
    saveBounds: (b) => main.settings.setWindowBounds(b),
    onFocus: () => main.alerts.clearMissed(),
  });
  const hidden = shouldStartHidden(process.argv, main.settings.view().desktop.startMinimized);
  window.once('ready-to-show', () => {
    if (!hidden) window?.show();
  });

  // A cold start with a link (Windows/Linux argv, or macOS open-url before ready).
  main.links.handleArgv(process.argv);
  for (const url of earlyLinks.splice(0)) main.links.handleLink(url);

  await window.loadURL(appPageUrl());
  void startAutoUpdate({
    isPackaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    loadUpdater: async () => (await import('electron-updater')).default.autoUpdater,
    log,
  });
}
