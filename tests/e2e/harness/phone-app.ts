import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { createMainServices, type MainServices } from '../../../src-main/app/main-services';
import type { SendEvent } from '../../../src-main/ipc/events';
import type { SecretCipher } from '../../../src-main/settings/settings-service';
import type { Logger } from '../../../src-main/support/log';
import { contentSecurityPolicy } from '../../../src-main/window/security-policy';
import type { AccountSettings, HistoryEntry } from '../../../src-preload/contract';
import { openConfDocument } from '../../support/main-services';
import { createRecordingDesktop, type RecordingDesktop } from '../../support/recording-desktop';
import { createTestOnlyCipher } from '../../support/test-only-cipher';
import { serveRenderer } from './renderer-server';

const ROOT = resolve(import.meta.dirname, '../../..');
export const RENDERER_DIR = join(ROOT, 'out/renderer');

let bridgeScript: string | undefined;
/** The page-side bridge, bundled once per test process from the preload's own api.ts. */
function bridgeInitScript(): string {
  bridgeScript ??= buildSync({
    entryPoints: [join(import.meta.dirname, 'bridge-init.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  }).outputFiles[0]!.text;
  return bridgeScript;
}

export interface PhoneAppOptions {
  /** Pre-stored account (as if configured earlier); omit to start unconfigured. */
  account?: AccountSettings;
  password?: string;
  /** Reuse a user-data folder (to test restarts); a fresh temp folder otherwise. */
  userDataDir?: string;
  systemLocale?: string;
  label?: string;
  /** Install Playwright's fake clock before the page loads, so a test can fast-forward timers. */
  fakeClock?: boolean;
  /** Accelerators the simulated OS refuses (held by another application). */
  takenShortcuts?: string[];
  /** Platform the notification content is built for (default linux). */
  platform?: string;
  /** Runs after main is up and before the page loads (e.g. a cold start with a link in argv). */
  beforeLoad?: (services: MainServices) => void;
  /** Main's logger (default: quiet, warnings and errors to the console); e.g. to capture every line. */
  log?: Logger;
  /** Stand-in for safeStorage (default: the test-only cipher); e.g. one that fails. */
  cipher?: SecretCipher;
}

export interface PhoneApp {
  page: Page;
  context: BrowserContext;
  services: MainServices;
  /** What the tray, notifications and shortcuts would have shown (the OS side, recorded). */
  desktop: RecordingDesktop;
  userDataDir: string;
  origin: string;
  send: SendEvent;
  history(): HistoryEntry[];
  /** The page's last console warnings, with their label and time (printed when a test fails). */
  warnings(): readonly string[];
  /** Closes page, server and database; keeps the folder when `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

const WARNINGS_KEPT = 40;

const quietLog = {
  info: () => undefined,
  warn: (message: string) => console.warn(`[main] ${message}`),
  error: (message: string, error?: unknown) => console.error(`[main] ${message}`, error),
};

/**
 * One Tsunagu "app" for an end-to-end test: the real main-process services on a temp folder
 * (real SQLite file, real settings file), and the real renderer bundle in a Chromium context,
 * joined through the same contract and dispatcher the Electron build uses.
 */
export async function openPhoneApp(browser: Browser, options: PhoneAppOptions = {}): Promise<PhoneApp> {
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'tsunagu-e2e-'));
  // The server comes first: its origin is the one the dispatcher trusts. Its CSP is computed
  // per request from the settings, as the app:// handler does.
  // (The CSP callback runs only on requests, after `main` below exists.)
  const server = await serveRenderer(RENDERER_DIR, () => {
    return contentSecurityPolicy(main.settings.view().accounts.filter((entry) => entry.enabled).map((entry) => entry.account.wsServer));
  });
  const desktop = createRecordingDesktop(options.takenShortcuts ? { takenShortcuts: options.takenShortcuts } : {});
  const main: MainServices = createMainServices({
    userDataDir,
    openSettingsDocument: openConfDocument(userDataDir),
    cipher: options.cipher ?? createTestOnlyCipher(),
    secretBackend: 'test-only',
    systemLocale: options.systemLocale ?? 'ja-JP',
    trustedOrigin: server.origin,
    clock: { now: () => Date.now() },
    log: options.log ?? quietLog,
    desktop: desktop.ports,
    platform: options.platform ?? 'linux',
  });
  if (options.account) main.settings.saveAccount({ account: options.account, password: options.password ?? '' });
  const origin = server.origin;

  const context = await browser.newContext({ locale: options.systemLocale ?? 'ja-JP' });
  await context.exposeBinding('__tsunaguInvoke', (source, channel: string, payload: unknown) =>
    main.dispatch(channel, payload, { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() }),
  );
  await context.addInitScript({ content: bridgeInitScript() });
  const page = await context.newPage();
  const label = options.label ?? 'phone';
  page.on('pageerror', (error) => console.log(`[${label} pageerror] ${error.message}`));
  // Errors are printed as they come; warnings (the engine's "REGISTER failed: sip:403 (auth)")
  // are kept, the last ones only, for the fixture to print when the test fails.
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`[${label} console.error] ${message.text()}`);
    else if (message.type() === 'warning') {
      warnings.push(`[${label} ${new Date().toISOString().slice(11, 23)} console.warn] ${message.text()}`);
      if (warnings.length > WARNINGS_KEPT) warnings.shift();
    }
  });

  // Main → page events: the harness's stand-in for webContents.send.
  main.events.attach((channel, payload) => {
    page
      .evaluate(([c, p]) => (window as unknown as { __tsunaguEmit(c: string, p: unknown): void }).__tsunaguEmit(c, p), [channel, payload] as const)
      // Like webContents.send: an event to a page that is reloading or closed is simply dropped.
      .catch(() => undefined);
  });
  // As in Electron (did-start-loading): a navigating page is not listening until it says so.
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) main.links.rendererGone();
  });

  options.beforeLoad?.(main);
  if (options.fakeClock) await page.clock.install();
  await page.goto(`${origin}/index.html`);

  return {
    page,
    context,
    services: main,
    desktop,
    userDataDir,
    origin,
    send: main.events.send,
    warnings: () => warnings,
    history: () => main.history.list({ limit: 100 }),
    async close({ keepData = false } = {}) {
      await context.close();
      await server.close();
      main.close();
      if (!keepData && !options.userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
