import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { resolveUiLanguage } from '../../src-preload/language';
import { createCallerIdentification } from '../contacts/caller-identification';
import { createContactsService } from '../contacts/contacts-service';
import { createContactsTransfer } from '../contacts/contacts-transfer';
import { openAppDatabase, type OpenAppDatabaseOptions } from '../db/database';
import { createCallAlerts } from '../desktop/call-alerts';
import type { DesktopPorts } from '../desktop/desktop-ports';
import { createShortcutService } from '../desktop/shortcuts';
import { createCallWebhooks } from '../cti/call-webhooks';
import { createCtiService } from '../cti/cti-service';
import { exportHistoryToFile } from '../history/history-export';
import { createHistoryQuery } from '../history/history-query';
import { createHistoryUploader, type UploadPost } from '../history/history-outbox';
import { createHistoryService } from '../history/history-service';
import { createDispatcher } from '../ipc/dispatcher';
import { createEventHub } from '../ipc/events';
import { createInvokeHandlers } from '../ipc/handlers';
import { createLinkRouter } from '../protocol/link-router';
import { openSettings } from '../settings/open-settings';
import { chooseProvisioningFile } from '../settings/provisioning-import';
import { createSettingsService, type SecretCipher, type SettingsDocument } from '../settings/settings-service';
import type { Logger } from '../support/log';
import type { Clock } from '../support/service-error';
import { createWebPhonebookManager, type Timers } from '../webphonebook/web-phonebook-manager';
import { createWebPhonebookService, type WebPhonebookDeps } from '../webphonebook/web-phonebook-service';

export const SETTINGS_FILE_NAME = 'settings.json';
export const DATABASE_FILE_NAME = 'tsunagu.sqlite';

export interface MainServicesDeps {
  userDataDir: string;
  /** electron-store in the app; conf (the same engine) in Node tests. Must use SETTINGS_FILE_NAME. */
  openSettingsDocument: () => SettingsDocument;
  cipher: SecretCipher;
  secretBackend: string;
  systemLocale: string;
  /** Origin of our own page; only its main frame may call the bridge. */
  trustedOrigin: string;
  clock: Clock;
  log: Logger;
  /** Tray, notifications, shortcuts, window: Electron in the app, recorders in e2e tests. */
  desktop: DesktopPorts;
  platform: string;
  /** Tests shorten timeouts or observe requests of the CardDAV client. */
  webPhonebookClient?: WebPhonebookDeps['clientOptions'];
  /** Timers of the background sync (tests use fake ones); and its first delay. */
  webPhonebookTimers?: Timers;
  webPhonebookStartDelayMs?: number;
  /** Options of the history uploader (tests: a shorter backoff). */
  historyUpload?: { post?: UploadPost; backoff?: { initialMs?: number; maxMs?: number } };
  /** Options of the CTI webhook sender (tests: a shorter backoff). */
  callWebhooks?: { post?: UploadPost; backoff?: { initialMs?: number; maxMs?: number } };
  /** Options of the database open (tests: a shorter busy timeout, the cheap check only). */
  database?: Omit<OpenAppDatabaseOptions, 'now'>;
}

/**
 * Every main-process service, wired, without any Electron object. The Electron entry point and
 * the end-to-end harness both build the app from this one function, so the tests exercise the
 * same services and the same dispatcher the user runs.
 */
export function createMainServices(deps: MainServicesDeps) {
  // A damaged database is moved aside and replaced (db/database.ts); a locked or newer one throws.
  const database = openAppDatabase(join(deps.userDataDir, DATABASE_FILE_NAME), { ...deps.database, now: () => deps.clock.now() });
  if (database.recoveredFrom) deps.log.warn(`history database was unreadable (${database.problem}); kept as ${database.recoveredFrom}, started with a new one`);
  const db = database.db;
  const opened = openSettings(join(deps.userDataDir, SETTINGS_FILE_NAME), deps.openSettingsDocument, () => deps.clock.now());
  if (opened.setAsidePath) deps.log.warn(`settings file was unreadable; kept as ${opened.setAsidePath}`);
  const settings = createSettingsService({
    document: opened.document,
    cipher: deps.cipher,
    secretBackend: deps.secretBackend,
    systemLocale: deps.systemLocale,
    recoveredFromCorruptFile: opened.setAsidePath !== null,
    databaseRecoveredFrom: database.recoveredFrom && basename(database.recoveredFrom),
    log: deps.log,
  });

  // 発着信履歴のクラウド管理: while upload is configured, each call's record enters the outbox in
  // the transaction that completes its history row (history-outbox.ts), so none is ever lost.
  const uploadConfigured = () => {
    const web = settings.view().webPhonebook;
    return web.enabled && web.uploadUrl !== '';
  };
  const contacts = createContactsService(db, deps.clock);
  // CTI webhooks: each call event whose webhook is set enters webhook_outbox in the transaction
  // that stores it in calls (cti/call-webhooks.ts), and is delivered like the history upload.
  const webhooks = createCallWebhooks({
    db,
    clock: deps.clock,
    log: deps.log,
    cti: () => settings.view().cti,
    // {line}: the label the user knows the account by, as the CTI buttons get it from the page.
    lineOf: (localAccount) => {
      const entry = settings.view().accounts.find(({ account }) => `${account.user}@${account.domain}` === localAccount);
      return entry ? entry.account.displayName || entry.account.user : localAccount;
    },
    nameOf: (number) => contacts.lookup(number)?.name ?? null,
    ...(deps.callWebhooks?.post ? { post: deps.callWebhooks.post } : {}),
    ...(deps.callWebhooks?.backoff ? { backoff: deps.callWebhooks.backoff } : {}),
  });
  const history = createHistoryService(db, deps.clock, { outbox: { enqueue: uploadConfigured }, events: webhooks.sink });
  const historyQuery = createHistoryQuery(db, contacts);
  // Let SQLite refresh its planner statistics (cheap; it only analyses what changed a lot).
  db.pragma('optimize');
  const interrupted = history.markInterruptedCalls();
  if (interrupted > 0) deps.log.warn(`${interrupted} call(s) were open when the app last stopped; marked interrupted`);

  const events = createEventHub();
  const desktop = () => settings.view().desktop;
  const language = () => {
    const view = settings.view();
    return resolveUiLanguage(view.language, view.systemLocale);
  };
  const links = createLinkRouter({
    send: events.send,
    dialImmediately: () => desktop().dialImmediately,
    showWindow: () => deps.desktop.showWindow(),
    log: deps.log,
  });
  const alerts = createCallAlerts({
    ports: deps.desktop,
    send: events.send,
    history,
    platform: deps.platform,
    language,
    bringToFrontOnRing: () => desktop().bringToFrontOnRing,
    doNotDisturb: () => desktop().doNotDisturb,
    contactName: (number) => contacts.lookup(number)?.name ?? null,
  });
  const transfer = createContactsTransfer({
    contacts,
    ports: deps.desktop,
    labels: () =>
      language() === 'ja'
        ? { importTitle: '電話帳のインポート', exportTitle: '電話帳のエクスポート', csv: 'CSV ファイル', vcard: 'vCard ファイル' }
        : { importTitle: 'Import contacts', exportTitle: 'Export contacts', csv: 'CSV file', vcard: 'vCard file' },
  });
  const uploader = createHistoryUploader({
    db,
    clock: deps.clock,
    log: deps.log,
    endpoint: () => {
      if (!uploadConfigured()) return null;
      const web = settings.view().webPhonebook;
      const password = settings.webPhonebookPassword();
      return password === null ? null : { url: web.uploadUrl, user: web.loginId, password, ...(web.caCertPem ? { caCertPem: web.caCertPem } : {}) };
    },
    ...(deps.historyUpload?.post ? { post: deps.historyUpload.post } : {}),
    ...(deps.historyUpload?.backoff ? { backoff: deps.historyUpload.backoff } : {}),
  });
  const webPhonebook = createWebPhonebookManager({
    service: createWebPhonebookService({ db, clock: deps.clock, log: deps.log, ...(deps.webPhonebookClient ? { clientOptions: deps.webPhonebookClient } : {}) }),
    settings,
    clock: deps.clock,
    log: deps.log,
    publish: (state) => events.send('tsunagu:event:web-phonebook-state', state),
    openExternal: (url) => deps.desktop.openExternal(url),
    chooseCertificateFile: () =>
      deps.desktop.chooseFileToOpen(
        language() === 'ja'
          ? { title: 'CA証明書ファイルの選択', filters: [{ name: '証明書', extensions: ['pem', 'crt', 'cer', 'der'] }] }
          : { title: 'Choose a CA certificate', filters: [{ name: 'Certificate', extensions: ['pem', 'crt', 'cer', 'der'] }] },
      ),
    readFile: (path) => readFile(path),
    uploadPending: () => uploader.pending(),
    ...(deps.webPhonebookTimers ? { timers: deps.webPhonebookTimers } : {}),
    ...(deps.webPhonebookStartDelayMs !== undefined ? { startDelayMs: deps.webPhonebookStartDelayMs } : {}),
  });
  const callers = createCallerIdentification({
    personal: (number) => {
      const found = contacts.lookup(number);
      return found ? { name: found.name, company: '', photo: found.photo } : null;
    },
    web: webPhonebook,
    send: events.send,
    onIdentified: (callId, name) => alerts.callerIdentified(callId, name),
    log: deps.log,
  });
  const shortcuts = createShortcutService({ ports: deps.desktop, send: events.send, showWindow: () => deps.desktop.showWindow() });
  const cti = createCtiService({ db, cti: () => settings.view().cti, openExternal: (url) => deps.desktop.openExternal(url), log: deps.log });
  history.onCallEnded((ended) => {
    alerts.callEnded(ended);
    void uploader.kick();
  });

  // Desktop preferences take effect when saved, and once at start.
  let applied = desktop();
  const applyDesktop = () => {
    const next = desktop();
    shortcuts.apply(next.shortcuts);
    deps.desktop.setOpenAtLogin(next.startAtLogin);
    applied = next;
  };
  applyDesktop();
  settings.onChange((view) => {
    events.send('tsunagu:event:settings-changed', view);
    if (JSON.stringify(view.desktop) !== JSON.stringify(applied)) applyDesktop();
    alerts.refresh();
    // New URL, login or password: records waiting on a refused upload are tried at once.
    void uploader.kick();
    // The same for a changed webhook URL; events that waited while CTI was off go out.
    void webhooks.kick();
  });
  alerts.refresh();

  const dispatch = createDispatcher({
    handlers: createInvokeHandlers({
      settings,
      history,
      links,
      alerts,
      shortcuts,
      contacts,
      transfer,
      historyQuery,
      webPhonebook,
      callers,
      cti,
      chooseProvisioningFile: () =>
        chooseProvisioningFile({
          ports: deps.desktop,
          labels: () => (language() === 'ja' ? { title: 'アカウント情報の読み込み', csv: 'CSV ファイル' } : { title: 'Read account information', csv: 'CSV file' }),
        }),
      exportHistory: (query) =>
        exportHistoryToFile(
          { engine: historyQuery, ports: deps.desktop, ...(language() === 'ja' ? { title: '履歴の書き出し', fileType: 'CSV ファイル' } : { title: 'Export history', fileType: 'CSV file' }) },
          query,
        ),
    }),
    trustedOrigin: deps.trustedOrigin,
    log: deps.log,
  });

  webPhonebook.start();
  // Records queued before the last stop (and the interrupted calls marked above) go out now.
  void uploader.start();
  void webhooks.start();

  return {
    settings,
    history,
    webPhonebook,
    uploader,
    webhooks,
    cti,
    contacts,
    links,
    alerts,
    shortcuts,
    events,
    dispatch,
    /** Full path of the damaged database kept aside at this start, or null. */
    databaseRecoveredFrom: database.recoveredFrom,
    /** The OS resumed from sleep or was unlocked: the phone checks its connection at once
     *  rather than at its next keepalive or backoff step (sockets rarely survive a sleep). */
    systemResumed(cause: 'resume' | 'unlock'): void {
      events.send('tsunagu:event:connectivity-check', { cause });
      void uploader.kick();
      void webhooks.kick();
    },
    close(): void {
      // stop() cancels a request in flight synchronously; its record stays queued for next time.
      void uploader.stop();
      void webhooks.stop();
      webPhonebook.stop();
      db.close();
    },
  };
}

export type MainServices = ReturnType<typeof createMainServices>;
