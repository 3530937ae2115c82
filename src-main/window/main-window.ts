import type { BrowserWindow, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { APP_ORIGIN, isPermissionAllowed, isSafeExternalUrl, originOf } from './security-policy';

/** The phone window's options. Every security-relevant line says why. */
export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 380,
    height: 680,
    minWidth: 320,
    minHeight: 520,
    title: 'Tsunagu',
    show: false,
    webPreferences: {
      preload: preloadPath,
      // The page and the preload run in separate JavaScript worlds: page script cannot reach
      // the preload's ipcRenderer or tamper with its prototypes.
      contextIsolation: true,
      // The renderer is an OS-sandboxed Chromium process; a compromised page gains no file or
      // process access. The preload is bundled to run under the sandbox.
      sandbox: true,
      // No require()/process in the page: caller names and web-phonebook data render there.
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // Same-origin policy stays on; it is what keeps the page to its own origin and the SIP server.
      webSecurity: true,
      allowRunningInsecureContent: false,
      // No <webview>: it would be a second, less controlled browser inside the app.
      webviewTag: false,
      // A tray softphone is hidden most of the day. Chromium throttles timers of hidden pages to
      // once a minute, which would delay registration refresh and keepalive until the phone
      // silently stops receiving calls.
      backgroundThrottling: false,
      spellcheck: false,
      // Dropping a file or link on the window must not navigate it away from the phone.
      navigateOnDragDrop: false,
    },
  };
}

export interface HardeningDeps {
  openExternal(url: string): Promise<void>;
  log: { warn(message: string): void };
}

/**
 * Locks the window's contents to our page: it can neither navigate away (a navigated page
 * would keep the preload's API) nor open windows; links to https pages go to the browser.
 */
export function hardenWebContents(contents: WebContents, deps: HardeningDeps): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    deps.log.warn(`blocked navigation to ${new URL(url).protocol}`);
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void deps.openExternal(url);
    return { action: 'deny' };
  });
}

/** Grants only what a phone needs, to our own page, in both the request and the check path
 *  (Chromium consults the check handler without a request, e.g. for `navigator.permissions`). */
export function restrictPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    callback(isPermissionAllowed({ permission, origin: originOf(details.requestingUrl), mediaTypes }));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) => {
    const mediaTypes = details.mediaType ? [details.mediaType] : undefined;
    return isPermissionAllowed({ permission, origin: originOf(requestingOrigin), mediaTypes });
  });
}

export function appPageUrl(): string {
  return `${APP_ORIGIN}/index.html`;
}

export type { BrowserWindow };
