// Secrets end to end: the SIP and web phonebook passwords a user types into 設定 reach the
// servers that need them (Kamailio by digest, Radicale and the history receiver by Basic) and
// nothing else. With the real renderer, the real main services, a real Kamailio and a real
// Radicale, the flows a user goes through (a wrong password, the right one, a call, the web
// phonebook test / save / sync, a history upload refused and then accepted, a change and a
// clear, a history export, a handler crashing while it holds a password) leave no trace of the
// passwords — raw, URL-encoded, base64 or as their ASCII stem — in any file of the user data
// folder, in main's log, in the page's console, in the history, in the settings the page sees,
// or in any IPC response but the one verb that hands the SIP password to the engine.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { Logger } from '../../src-main/support/log';
import type { TsunaguApi } from '../../src-preload/api';
import type { SecretCipher } from '../../src-main/settings/settings-service';
import { startRadicale, type RadicaleLab } from '../lab/radicale';
import { createTestOnlyCipher } from '../support/test-only-cipher';
import { makeCards } from '../unit/webphonebook/cards';
import { dial, expect, expectRegistered, test } from './fixtures';
import type { PhoneApp, PhoneAppOptions } from './harness/phone-app';

const SIP_USER = '1001';
const SIP_PASSWORD = 'Sip-Secret-9f3a-パス';
const SIP_WRONG = 'Sip-Wrong-51d0-違う';
const DAV_USER = 'carol';
const DAV_PASSWORD = 'Dav-Secret-77c1-鍵';
const DAV_WRONG = 'Dav-Wrong-2e8b-錠';
const CARDS = 20;

// The lab's 1001 accepts only the distinctive password; 1002 is the other phone.
test.use({ labOptions: { users: [{ user: SIP_USER, password: SIP_PASSWORD }, { user: '1002', password: 'pass1002' }] } });

const SIP_SECRETS = [secret('SIP password', SIP_USER, SIP_PASSWORD), secret('wrong SIP password', SIP_USER, SIP_WRONG)];
const DAV_SECRETS = [secret('web phonebook password', DAV_USER, DAV_PASSWORD), secret('wrong web phonebook password', DAV_USER, DAV_WRONG)];
const ALL_SECRETS = [...SIP_SECRETS, ...DAV_SECRETS];

interface Secret {
  name: string;
  /** Every form the password could leak in: raw, URL-encoded, base64 (alone and as Basic
   *  user:password), JSON \u escapes, and its ASCII stem (which survives any re-encoding of
   *  the non-ASCII tail). */
  forms: { form: string; text: string }[];
}

function secret(name: string, user: string, password: string): Secret {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const escaped = password.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const stem = password.replace(/[^\x21-\x7e].*$/, '');
  expect(stem.length).toBeGreaterThanOrEqual(12);
  const forms = [
    { form: 'raw', text: password },
    { form: 'encodeURIComponent', text: encodeURIComponent(password) },
    { form: 'encodeURIComponent(user:password)', text: encodeURIComponent(`${user}:${password}`) },
    { form: 'base64(user:password)', text: base64(`${user}:${password}`) },
    { form: 'base64(password)', text: base64(password) },
    { form: 'JSON \\u escapes', text: escaped },
    { form: 'ASCII stem', text: stem },
  ];
  return { name, forms };
}

/** The secrets (name and form) found in a text; [] when it is clean. */
function leaksIn(text: string, secrets: readonly Secret[] = ALL_SECRETS): string[] {
  return secrets.flatMap((s) => s.forms.filter((f) => text.includes(f.text)).map((f) => `${s.name} (${f.form})`));
}

/** The same for raw bytes (a SQLite page, a WAL frame): UTF-8 and UTF-16LE encodings. */
function leaksInBytes(bytes: Buffer, secrets: readonly Secret[] = ALL_SECRETS): string[] {
  return secrets.flatMap((s) =>
    s.forms.flatMap((f) =>
      (['utf8', 'utf16le'] as const).filter((encoding) => bytes.includes(Buffer.from(f.text, encoding))).map((encoding) => `${s.name} (${f.form}, ${encoding})`),
    ),
  );
}

function expectClean(where: string, text: string, secrets: readonly Secret[] = ALL_SECRETS): void {
  expect(leaksIn(text, secrets), `secrets in ${where}`).toEqual([]);
}

const json = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return inspect(value, { depth: null });
  }
};

/** An error as every crash reporter could print it: message, stack, cause, own properties. */
const errorText = (error: unknown): string => (error === undefined ? '' : `${inspect(error, { depth: null, showHidden: true })} ${error instanceof Error ? `${error.stack} ${json(error)}` : json(error)}`);

/** Everything one app lets out of main and the page, as text. */
interface Capture {
  label: string;
  mainLog: string[];
  console: string[];
  invokes: { channel: string; request: string; response: string }[];
  /** settings.onChange in main: the view each settings-changed event carries. */
  views: string[];
  /** The events the page's bridge delivered (window.tsunagu.on…), as the page got them. */
  events: { channel: string; payload: string }[];
  pending: Promise<unknown>[];
}

function newCapture(label: string): Capture {
  return { label, mainLog: [], console: [], invokes: [], views: [], events: [], pending: [] };
}

/** Options for openPhone that log every main line and record every IPC call from the start. */
function capturing(capture: Capture): Pick<PhoneAppOptions, 'log' | 'beforeLoad' | 'label'> {
  const log: Logger = {
    info: (message) => capture.mainLog.push(`info ${message}`),
    warn: (message) => capture.mainLog.push(`warn ${message}`),
    error: (message, error) => capture.mainLog.push(`error ${message} ${errorText(error)}`),
  };
  return {
    label: capture.label,
    log,
    beforeLoad(services) {
      // The page's binding calls services.dispatch at call time: wrapping it sees every
      // request and every response, from the first call of the first load.
      const dispatch = services.dispatch;
      services.dispatch = async (channel, payload, sender) => {
        const response = await dispatch(channel, payload, sender);
        capture.invokes.push({ channel, request: json(payload), response: json(response) });
        return response;
      };
      services.settings.onChange((view) => capture.views.push(json(view)));
    },
  };
}

interface ObservedWindow {
  tsunagu: Record<string, unknown>;
  __secretsEvent(channel: string, payload: string): void;
}

/** Every console message (all levels, with its arguments) and page error, and every event. */
async function observePage(app: PhoneApp, capture: Capture): Promise<void> {
  const { page } = app;
  page.on('console', (message) => {
    capture.console.push(`[${message.type()}] ${message.text()} @${message.location().url}`);
    capture.pending.push(
      Promise.all(message.args().map((arg) => arg.jsonValue().catch(() => '')))
        .then((values) => capture.console.push(`[${message.type()} args] ${json(values)}`))
        .catch(() => undefined),
    );
  });
  page.on('pageerror', (error) => capture.console.push(`[pageerror] ${errorText(error)}`));
  await page.exposeFunction('__secretsEvent', (channel: string, payload: string) => capture.events.push({ channel, payload }));
  const subscribe = () => {
    const go = () => {
      const w = window as unknown as ObservedWindow;
      for (const [name, on] of Object.entries(w.tsunagu)) {
        if (name.startsWith('on') && typeof on === 'function') (on as (l: (p: unknown) => void) => void)((payload) => w.__secretsEvent(name, JSON.stringify(payload)));
      }
    };
    if ((window as unknown as Partial<ObservedWindow>).tsunagu) go();
    else document.addEventListener('DOMContentLoaded', go);
  };
  await page.addInitScript(subscribe);
  await page.evaluate(subscribe);
  // The console capture itself works (a clean result must mean something).
  await page.evaluate(() => console.debug('secrets-probe'));
  await expect.poll(() => capture.console.some((line) => line.includes('secrets-probe'))).toBe(true);
}

/** Asserts main's log, the page's console, the settings views and events, and every IPC
 *  response hold no secret, except the SIP password in get-credentials. */
async function expectCaptureClean(capture: Capture): Promise<void> {
  await Promise.all(capture.pending);
  const where = (what: string) => `${capture.label}: ${what}`;
  expectClean(where('main log'), capture.mainLog.join('\n'));
  expectClean(where('page console and page errors'), capture.console.join('\n'));
  expectClean(where('settings-changed views'), capture.views.join('\n'));
  expectClean(where('events the page received'), capture.events.map((e) => `${e.channel} ${e.payload}`).join('\n'));
  expect(capture.invokes.length, where('IPC calls recorded')).toBeGreaterThan(0);
  for (const { channel, request, response } of capture.invokes) {
    // The SIP password goes to the page by one verb only: the engine's credentials.
    expectClean(where(`response of ${channel}`), response, channel === 'tsunagu:phone:get-credentials' ? DAV_SECRETS : ALL_SECRETS);
    // And the page sends each password only to the verb that stores or tests it (calls the
    // test makes past the preload on purpose, refused at the gate, are exempt).
    if (/^\{"ok":false,"error":\{"code":"(invalid-payload|unknown-channel)"/.test(response)) continue;
    if (channel !== 'tsunagu:settings:save-account') expectClean(where(`request of ${channel}`), request, SIP_SECRETS);
    if (channel !== 'tsunagu:webphonebook:save' && channel !== 'tsunagu:webphonebook:test') expectClean(where(`request of ${channel}`), request, DAV_SECRETS);
  }
}

/** Every file under the user data folder, read as bytes (settings.json, tsunagu.sqlite, -wal, -shm…). */
function expectFolderClean(dir: string, label: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.push(full);
    }
  };
  walk(dir);
  for (const file of files) expect(leaksInBytes(readFileSync(file)), `${label}: secrets in ${file}`).toEqual([]);
  return files.map((f) => f.slice(dir.length + 1));
}

/** What the page itself keeps: DOM, web storage, cookies. */
async function expectPageClean(app: PhoneApp, label: string): Promise<void> {
  expectClean(`${label}: DOM`, await app.page.content());
  const stored = await app.page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
  expectClean(`${label}: web storage`, stored);
}

/** A history receiver on loopback that accepts only carol's right Basic credentials. */
async function startReceiver() {
  const accepted = `Basic ${Buffer.from(`${DAV_USER}:${DAV_PASSWORD}`, 'utf8').toString('base64')}`;
  const received: { auth: string; ok: boolean; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const auth = String(req.headers.authorization);
      received.push({ auth, ok: auth === accepted, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(auth === accepted ? 201 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    accepted,
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let radicale: RadicaleLab;
const folders: string[] = [];

test.beforeAll(async () => {
  // The lab harness takes printable-ASCII passwords only; carol's book is seeded with a
  // throw-away one, then the htpasswd file (plain, re-read on every login by Radicale 3.1) is
  // given the distinctive non-ASCII password. From here on only the app talks to carol's book.
  radicale = await startRadicale({ users: [{ user: DAV_USER, password: 'seed-only-password' }] });
  await radicale.putMany(DAV_USER, makeCards(CARDS));
  writeFileSync(join(radicale.dir, 'users'), `${DAV_USER}:${DAV_PASSWORD}\n`, { encoding: 'utf8', mode: 0o600 });
});
test.afterAll(async () => {
  await radicale?.dispose();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

test('the passwords typed in 設定 reach Kamailio, Radicale and the history receiver, and appear nowhere else', async ({ openPhone, phoneFor, lab }) => {
  test.setTimeout(120_000);
  const receiver = await startReceiver();
  const capture = newCapture(SIP_USER);
  const peerCapture = newCapture('1002');
  const userDataDir = tempFolder('tsunagu-secrets-');
  // Unconfigured at start: the first page load holds no secret, and the capture runs before
  // anything is typed.
  const app = await openPhone({ ...capturing(capture), userDataDir });
  await observePage(app, capture);
  const peer = await phoneFor('1002', capturing(peerCapture));
  await observePage(peer, peerCapture);
  const { page } = app;

  // 1. The account with a wrong password: saved, the page reloads, the server refuses it.
  await expect(page.getByTestId('registration-label')).toHaveText('未設定');
  await page.getByTestId('account-user').fill(SIP_USER);
  await page.getByTestId('account-domain').fill(lab.domain);
  await page.getByTestId('account-wsServer').fill(lab.wsUrl);
  await page.getByTestId('account-password').fill(SIP_WRONG);
  await page.getByTestId('save-account').click();
  await expect(page.getByTestId('registration-lamp')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('registration-label')).toHaveText('認証に失敗しました');

  // 2. Changed to the right one: registers.
  await page.getByTestId('tab-settings').click();
  await page.getByTestId('account-password').fill(SIP_PASSWORD);
  await page.getByTestId('save-account').click();
  await expectRegistered(page);
  await expectRegistered(peer.page);
  await expect.poll(() => lab.lookup(SIP_USER)).toHaveLength(1);
  expect(app.services.settings.view().accounts[0]?.hasPassword).toBe(true);

  // 3. The web phonebook: 接続 with a wrong password, then the right one; save (with the
  //    history receiver) and the first sync; 今すぐ同期.
  await page.getByTestId('tab-settings').click();
  const form = page.getByTestId('web-settings');
  await form.getByTestId('web-enabled').check();
  await form.getByTestId('web-loginId').fill(DAV_USER);
  await form.getByTestId('web-server').fill(radicale.host);
  await form.getByTestId('web-ssl').uncheck();
  await form.getByTestId('web-password').fill(DAV_WRONG);
  await form.getByTestId('web-test').click();
  await expect(form.getByTestId('web-test-result')).toHaveText('認証に失敗しました（ログインIDまたはパスワードが違います）');
  await form.getByTestId('web-password').fill(DAV_PASSWORD);
  await form.getByTestId('web-test').click();
  await expect(form.getByTestId('web-test-result')).toHaveText('認証に成功しました 1件のアドレス帳が見つかりました');
  await form.getByTestId('web-uploadUrl').fill(receiver.url);
  await form.getByTestId('web-save').click();
  await expect(form.getByTestId('web-message')).toHaveText('保存しました');
  await expect(page.getByTestId('web-sync-last')).toContainText(`追加 ${CARDS}・更新 0・削除 0`);
  await page.getByTestId('web-sync-now').click();
  await expect(page.getByTestId('web-sync-last')).toContainText('追加 0・更新 0・削除 0');
  expect(app.services.settings.view().hasWebPhonebookPassword).toBe(true);

  // 4. A call to the other phone, answered and ended; its record is uploaded with Basic
  //    credentials — the one place the web phonebook password may go besides Radicale.
  await page.getByTestId('tab-phone').click();
  await dial(page, '1002');
  await expect(peer.page.getByTestId('call-status')).toHaveText('着信中');
  await peer.page.getByTestId('answer-button').click();
  await expect(page.getByTestId('call-status')).toHaveText('通話中');
  await page.getByTestId('hangup-button').click();
  await expect(page.getByTestId('call-status')).toHaveText('待機中');
  await expect(peer.page.getByTestId('call-status')).toHaveText('待機中');
  await expect.poll(() => receiver.received.filter((r) => r.ok).length).toBe(1);
  expect(receiver.received[0]!.auth).toBe(receiver.accepted);

  // 5. The web password changed to a wrong one: the sync and the next upload are refused
  //    (logged); changed back: the waiting record goes out at once.
  await page.getByTestId('tab-settings').click();
  await form.getByTestId('web-password').fill(DAV_WRONG);
  await form.getByTestId('web-save').click();
  await expect(form.getByTestId('web-message')).toHaveText('保存しました');
  await page.getByTestId('web-sync-now').click();
  await expect(page.getByTestId('web-sync-last')).toHaveAttribute('data-ok', 'false');
  await page.getByTestId('tab-phone').click();
  await dial(peer.page, SIP_USER);
  await expect(page.getByTestId('call-status')).toHaveText('着信中');
  await peer.page.getByTestId('hangup-button').click();
  await expect(page.getByTestId('call-status')).toHaveText('待機中');
  await expect.poll(() => receiver.received.filter((r) => !r.ok).length).toBeGreaterThan(0);
  await expect.poll(() => capture.mainLog.some((line) => line.includes('history upload failed (HTTP 401'))).toBe(true);
  await page.getByTestId('tab-settings').click();
  await form.getByTestId('web-password').fill(DAV_PASSWORD);
  await form.getByTestId('web-save').click();
  await expect(form.getByTestId('web-message')).toHaveText('保存しました');
  await expect.poll(() => receiver.received.filter((r) => r.ok).length).toBe(2);
  await expect.poll(() => app.services.uploader.pending()).toBe(0);

  // 6. The history, in the tab and exported as CSV through 書き出し.
  const exportDir = tempFolder('tsunagu-secrets-export-');
  const csvPath = join(exportDir, 'history.csv');
  app.desktop.files.save = csvPath;
  await page.getByTestId('tab-history').click();
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  await page.getByTestId('history-export').click();
  await expect.poll(() => existsSync(csvPath)).toBe(true);
  await expect.poll(() => readFileSync(csvPath).includes(Buffer.from('1002'))).toBe(true);

  // While both passwords are stored: the user data folder holds neither (the settings file
  // only the cipher's output, the database none at all).
  const files = expectFolderClean(userDataDir, 'stored');
  expect(files).toEqual(expect.arrayContaining(['settings.json', 'tsunagu.sqlite']));
  expect(readFileSync(join(userDataDir, 'settings.json'), 'utf8')).toContain(DAV_USER);

  // 7. Both passwords cleared, through the page's own bridge (an empty password clears).
  const cleared = await page.evaluate(async () => {
    const api = (window as unknown as { tsunagu: TsunaguApi }).tsunagu;
    const current = await api.settings.get();
    if (!current.ok) throw new Error('settings unavailable');
    const entry = current.value.accounts[0];
    if (!entry) throw new Error('no account');
    const sip = await api.settings.saveAccount({ id: entry.id, account: entry.account, password: '' });
    const web = await api.webPhonebook.save({ settings: current.value.webPhonebook, password: '' });
    return { sip: sip.ok && sip.value.accounts[0]!.hasPassword, web: web.ok && web.value.hasWebPhonebookPassword };
  });
  expect(cleared).toEqual({ sip: false, web: false });
  expect(app.services.settings.credentials()[0]?.password).toBe('');

  // The servers did get the passwords (the capture is not blind): the engine received the
  // SIP password through get-credentials, and the receiver's accepted records carried Basic.
  expect(capture.invokes.some((i) => i.channel === 'tsunagu:phone:get-credentials' && i.response.includes(SIP_PASSWORD))).toBe(true);
  expect(capture.invokes.some((i) => i.channel === 'tsunagu:phone:get-credentials' && i.response.includes(SIP_WRONG))).toBe(true);
  expect(capture.invokes.some((i) => i.channel === 'tsunagu:webphonebook:test' && i.request.includes(DAV_PASSWORD))).toBe(true);
  expect(capture.mainLog.some((line) => /web phonebook: sync failed: auth/.test(line))).toBe(true);
  expect(capture.events.some((e) => e.channel === 'onSettingsChanged')).toBe(true);

  // The record bodies uploaded hold no password; only their Authorization header does.
  for (const { body } of receiver.received) expectClean('an uploaded record', body);
  await receiver.close();

  // History: the rows, the query the page ran, the CSV.
  const history = app.services.history.list({ limit: 100 });
  expect(history.map((h) => h.remoteNumber)).toEqual(['1002', '1002']);
  expectClean('history entries', json(history));
  expectClean('peer history entries', json(peer.services.history.list({ limit: 100 })));
  expect(leaksInBytes(readFileSync(csvPath)), 'secrets in the history CSV').toEqual([]);

  // The settings the page is given.
  expectClean('settings view', json(app.services.settings.view()));
  await expectCaptureClean(capture);
  await expectCaptureClean(peerCapture);
  await expectPageClean(app, SIP_USER);
  await expectPageClean(peer, '1002');
  // After the clear, nothing is left on disk either (not even in freed database pages).
  expectFolderClean(userDataDir, 'cleared');
  expectFolderClean(peer.userDataDir, 'peer');
});

test('a handler that crashes while holding a password logs, and answers the page, without it', async ({ openPhone, lab }) => {
  const capture = newCapture('crash');
  const userDataDir = tempFolder('tsunagu-secrets-crash-');
  // safeStorage failing as an OS keychain can (locked, reset): encryptString throws, an
  // unexpected error the dispatcher logs as a bug ('internal').
  const real = createTestOnlyCipher();
  const keychain = { broken: true };
  const cipher: SecretCipher = {
    isEncryptionAvailable: () => true,
    encryptString(plain) {
      if (keychain.broken) throw new Error('Error while encrypting the text provided to safeStorage.encryptString.');
      return real.encryptString(plain);
    },
    decryptString: (encrypted) => real.decryptString(encrypted),
  };
  const app = await openPhone({ ...capturing(capture), userDataDir, cipher });
  await observePage(app, capture);
  const { page } = app;

  // The SIP account with its password: the save crashes inside main.
  await page.getByTestId('account-user').fill(SIP_USER);
  await page.getByTestId('account-domain').fill(lab.domain);
  await page.getByTestId('account-wsServer').fill(lab.wsUrl);
  await page.getByTestId('account-password').fill(SIP_PASSWORD);
  await page.getByTestId('save-account').click();
  await expect(page.getByTestId('settings-error')).toHaveText('操作を完了できませんでした');
  await expect.poll(() => capture.mainLog.some((line) => line.startsWith('error handler for tsunagu:settings:save-account failed'))).toBe(true);
  expect(app.services.settings.view().accounts).toEqual([]);

  // The web phonebook password: the same crash.
  const form = page.getByTestId('web-settings');
  await form.getByTestId('web-enabled').check();
  await form.getByTestId('web-loginId').fill(DAV_USER);
  await form.getByTestId('web-server').fill(radicale.host);
  await form.getByTestId('web-ssl').uncheck();
  await form.getByTestId('web-password').fill(DAV_PASSWORD);
  await form.getByTestId('web-save').click();
  await expect(form.getByTestId('web-message')).toHaveText('操作を完了できませんでした');
  await expect.poll(() => capture.mainLog.some((line) => line.startsWith('error handler for tsunagu:webphonebook:save failed'))).toBe(true);

  // The crash was logged with its stack (what a bug report would carry) and answered 'internal'.
  const crashes = capture.invokes.filter((i) => i.channel === 'tsunagu:settings:save-account' || i.channel === 'tsunagu:webphonebook:save');
  expect(crashes.map((i) => JSON.parse(i.response) as unknown)).toEqual([
    { ok: false, error: { code: 'internal', message: 'internal error' } },
    { ok: false, error: { code: 'internal', message: 'internal error' } },
  ]);
  expect(capture.mainLog.join('\n')).toContain('safeStorage.encryptString');
  expect(crashes.map((i) => i.request.includes(SIP_PASSWORD) || i.request.includes(DAV_PASSWORD))).toEqual([true, true]);

  // The password typed into the wrong field (user name): refused field by field, not echoed.
  await page.getByTestId('account-user').fill(SIP_PASSWORD);
  await page.getByTestId('save-account').click();
  await expect(page.getByTestId('error-user')).toBeVisible();
  // A page bypassing the preload's checks (a too-long password, a password where a number
  // belongs): main's structured refusal does not echo what it refused.
  const refused = await page.evaluate(
    async ([sip, dav]) => {
      const invoke = (window as unknown as { __tsunaguInvoke(c: string, p: unknown): Promise<unknown> }).__tsunaguInvoke;
      const account = { user: '1001', authorizationUser: '', domain: 'lab.test', wsServer: 'ws://127.0.0.1:5066', outboundProxy: '', displayName: '', serviceCode: '' };
      return [
        await invoke('tsunagu:settings:save-account', { account, password: sip.repeat(20) }),
        await invoke('tsunagu:settings:save-account', { account: { ...account, keepaliveSec: sip }, password: sip }),
        await invoke('tsunagu:webphonebook:test', { settings: { enabled: true }, password: dav }),
        await invoke('tsunagu:history:call-started', { callId: sip, direction: 'outgoing', remoteNumber: dav }),
        await invoke(`tsunagu:${sip}`, null),
      ];
    },
    [SIP_PASSWORD, DAV_PASSWORD] as const,
  );
  expect(refused.map((r) => (r as { error?: { code: string } }).error?.code)).toEqual(['invalid-payload', 'invalid-payload', 'invalid-payload', 'invalid-payload', 'unknown-channel']);
  expectClean('refusals returned to the page', json(refused));

  // The keychain works again: saved, the page reloads and registers.
  keychain.broken = false;
  await page.getByTestId('account-user').fill(SIP_USER);
  await page.getByTestId('save-account').click();
  await expectRegistered(page);

  await expectCaptureClean(capture);
  expectClean('settings view', json(app.services.settings.view()));
  expectFolderClean(userDataDir, 'crash');
});
