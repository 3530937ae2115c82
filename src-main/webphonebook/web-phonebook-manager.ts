// The web phonebook as the app runs it: settings → a CardDAV config, background sync on a
// schedule and on demand (one at a time, progress pushed to the page), the 接続 test, the
// browser button, and the state the settings screen shows. The sync itself and the cache are
// web-phonebook-service.ts; this module only decides when and with what.

import { X509Certificate } from 'node:crypto';
import type { SettingsView, WebConnectionResult, WebPhonebookErrorView, WebPhonebookInput, WebPhonebookSettings, WebSyncState } from '../../src-preload/contract';
import type { Logger } from '../support/log';
import type { Clock } from '../support/service-error';
import { ServiceError } from '../support/service-error';
import type { WebPhonebookConfig, WebPhonebookError, WebPhonebookService } from './web-phonebook-service';
import { webPhonebookErrorOf } from './web-phonebook-service';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WebPhonebookManagerDeps {
  service: WebPhonebookService;
  settings: {
    view(): SettingsView;
    webPhonebookPassword(input?: WebPhonebookInput): string | null;
    onChange(listener: (view: SettingsView) => void): () => void;
  };
  clock: Clock;
  log: Logger;
  /** Pushes the state to the page (progress, results). */
  publish(state: WebSyncState): void;
  /** Opens an https URL in the default browser. */
  openExternal(url: string): Promise<void>;
  /** The OS open dialog (null = cancelled) and a bounded file read. */
  chooseCertificateFile(): Promise<string | null>;
  readFile(path: string): Promise<Buffer>;
  /** History records not yet delivered (0 without an uploader). */
  uploadPending?: () => number;
  timers?: Timers;
  /** Delay of the first sync after start: the app comes up first. Default 5 s. */
  startDelayMs?: number;
  /** Retry after a failed background sync. Default 5 min. */
  retryDelayMs?: number;
  /** An unknown caller may start a sync at most this often. Default 30 s. */
  ringSyncMinIntervalMs?: number;
}

export type WebPhonebookManager = ReturnType<typeof createWebPhonebookManager>;

const MAX_CERT_FILE_BYTES = 256 * 1024;

export function errorView(error: WebPhonebookError): WebPhonebookErrorView {
  return { code: error.code, status: error.status, certificateSubject: error.certificate?.subject ?? null };
}

/** The identity of a configuration: a change of any of these means another account's data. */
function identity(settings: WebPhonebookSettings): string {
  return JSON.stringify([settings.server, settings.ssl, settings.loginId, settings.caCertPem, settings.addressBooks]);
}

export function createWebPhonebookManager(deps: WebPhonebookManagerDeps) {
  const { service, settings, clock, log } = deps;
  const timers: Timers = deps.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  let timer: unknown = null;
  let nextSyncAt: number | null = null;
  let running: Promise<WebSyncState> | null = null;
  let progress: WebSyncState['progress'] = null;
  let last: WebSyncState['last'] = null;
  let stopped = false;
  let applied = settings.view().webPhonebook;
  let lastRingSync = Number.NEGATIVE_INFINITY;

  function configOf(web: WebPhonebookSettings, password: string): WebPhonebookConfig {
    return {
      server: web.server,
      ssl: web.ssl,
      user: web.loginId,
      password,
      ...(web.caCertPem ? { caCertPem: web.caCertPem } : {}),
      ...(web.addressBooks.length ? { addressBooks: web.addressBooks } : {}),
    };
  }

  /** The saved configuration, or null when off or incomplete. */
  function savedConfig(): WebPhonebookConfig | null {
    const web = settings.view().webPhonebook;
    if (!web.enabled || !web.server || !web.loginId) return null;
    const password = settings.webPhonebookPassword();
    return password === null ? null : configOf(web, password);
  }

  function state(): WebSyncState {
    const status = service.status();
    return {
      enabled: settings.view().webPhonebook.enabled,
      syncing: running !== null,
      progress,
      last,
      cards: status.cards,
      addressBooks: status.addressBooks.map((b) => ({ displayName: b.displayName, cards: b.cards, syncedAt: b.syncedAt })),
      nextSyncAt,
      uploadPending: deps.uploadPending?.() ?? 0,
    };
  }

  function publish(): void {
    deps.publish(state());
  }

  function schedule(delayMs: number | null): void {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    nextSyncAt = null;
    if (stopped || delayMs === null || savedConfig() === null) return;
    nextSyncAt = clock.now() + delayMs;
    timer = timers.setTimeout(() => {
      timer = null;
      void syncNow();
    }, delayMs);
  }

  function intervalMs(): number | null {
    const minutes = settings.view().webPhonebook.syncIntervalMin;
    return minutes > 0 ? minutes * 60_000 : null;
  }

  /** One sync at a time: a second request joins the running one. */
  function syncNow(): Promise<WebSyncState> {
    if (running) return running;
    const config = savedConfig();
    if (!config) {
      if (settings.view().webPhonebook.enabled) {
        last = { at: clock.now(), ok: false, added: 0, updated: 0, deleted: 0, skipped: 0, error: { code: 'no-password', status: null, certificateSubject: null } };
      }
      return Promise.resolve(state());
    }
    // Progress is published from inside; `running` must be set before the first publish.
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const run = (async () => {
      await started;
      progress = { phase: 'discover', addressBook: null, done: 0, total: 0 };
      publish();
      let ok = false;
      try {
        const result = await service.sync(config, (p) => {
          progress = p;
          publish();
        });
        last = { at: clock.now(), ok: true, added: result.added, updated: result.updated, deleted: result.deleted, skipped: result.skipped.length, error: null };
        ok = true;
      } catch (err) {
        // The cache is left as it was (the service guarantees it); the user sees why.
        last = { at: clock.now(), ok: false, added: 0, updated: 0, deleted: 0, skipped: 0, error: errorView(webPhonebookErrorOf(err)) };
      } finally {
        progress = null;
        running = null;
      }
      schedule(ok ? intervalMs() : Math.min(deps.retryDelayMs ?? 5 * 60_000, intervalMs() ?? Number.POSITIVE_INFINITY));
      const now = state();
      deps.publish(now);
      return now;
    })();
    running = run;
    ready();
    return run;
  }

  function settingsChanged(view: SettingsView): void {
    const next = view.webPhonebook;
    const before = applied;
    applied = next;
    if (!next.enabled) {
      // Off means off: the company's address book does not stay on this PC.
      if (before.enabled || service.status().cards > 0) service.clear();
      last = null;
      schedule(null);
      publish();
      return;
    }
    if (!before.enabled || identity(before) !== identity(next)) {
      if (identity(before) !== identity(next)) service.clear();
      last = null;
      schedule(0);
    } else if (before.syncIntervalMin !== next.syncIntervalMin) {
      schedule(intervalMs());
    }
    publish();
  }

  const unsubscribe = settings.onChange(settingsChanged);

  return {
    /** Starts the schedule: a first sync shortly after start-up, then every interval. */
    start(): void {
      schedule(deps.startDelayMs ?? 5_000);
    },

    state,
    syncNow,

    /** The 接続 button: the typed settings, with the typed or (same server) stored password. */
    async test(input: WebPhonebookInput): Promise<WebConnectionResult> {
      const password = settings.webPhonebookPassword(input);
      if (password === null || password === '') return { ok: false, error: { code: 'no-password', status: null, certificateSubject: null } };
      const result = await service.testConnection(configOf(input.settings, password));
      if (result.ok) return { ok: true, addressBooks: result.addressBooks.map((b) => ({ url: b.url, displayName: b.displayName })) };
      return { ok: false, error: errorView(result.error) };
    },

    /** Reads a certificate file the user chose (PEM or DER) and returns it as PEM with its subject. */
    async chooseCertificate(): Promise<{ pem: string; subject: string } | null> {
      const path = await deps.chooseCertificateFile();
      if (path === null) return null;
      let bytes: Buffer;
      try {
        bytes = await deps.readFile(path);
      } catch {
        throw new ServiceError('file-error', 'the certificate file cannot be read');
      }
      if (bytes.length > MAX_CERT_FILE_BYTES) throw new ServiceError('file-too-large', 'the certificate file is too large');
      try {
        const cert = new X509Certificate(bytes);
        return { pem: cert.toString().trim(), subject: cert.subject.replaceAll('\n', ', ') };
      } catch {
        throw new ServiceError('invalid-certificate', 'the file is not an X.509 certificate');
      }
    },

    /** The 電話帳／履歴 button. Only an https URL saved in the settings is ever opened. */
    async openPage(): Promise<{ opened: boolean }> {
      const url = settings.view().webPhonebook.webPageUrl;
      if (!url || !url.startsWith('https://')) return { opened: false };
      await deps.openExternal(new URL(url).toString());
      return { opened: true };
    },

    /** The read-only web phonebook list (empty while the web phonebook is off). */
    search(query: string, limit: number) {
      return settings.view().webPhonebook.enabled ? service.search(query, limit) : [];
    },

    /** Cache, then server, for a ringing number (used by the caller lookup chain). */
    enabled(): boolean {
      return savedConfig() !== null;
    },
    lookupCached(number: string) {
      return service.lookup(number);
    },
    async lookupLive(number: string, timeoutMs: number) {
      const config = savedConfig();
      return config ? service.liveLookup(config, number, timeoutMs) : null;
    },

    /**
     * For a ringing number the cache does not know: an incremental sync (it may have been added
     * since the last one), then the cache. At most one such sync per interval, so a burst of
     * unknown callers does not hammer the server; a sync already running is joined.
     */
    async lookupAfterSync(number: string) {
      if (savedConfig() === null) return null;
      if (!running) {
        if (clock.now() - lastRingSync < (deps.ringSyncMinIntervalMs ?? 30_000)) return null;
        lastRingSync = clock.now();
      }
      const after = await syncNow();
      return after.last?.ok ? service.lookup(number) : null;
    },

    stop(): void {
      stopped = true;
      unsubscribe();
      schedule(null);
      log.info('web phonebook: stopped');
    },
  };
}
