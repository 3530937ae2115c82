// The web phonebook as the app runs it (web-phonebook-manager.ts) against a real Radicale,
// with the real settings service on a temp folder and a real SQLite cache: when syncs run,
// what the settings screen is told, what a failed sync leaves, what a change of server does,
// which password the 接続 test may use, the CA file button and the browser button.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SETTINGS_FILE_NAME } from '../../../src-main/app/main-services';
import { openSettings } from '../../../src-main/settings/open-settings';
import { createSettingsService } from '../../../src-main/settings/settings-service';
import { createWebPhonebookManager, type Timers } from '../../../src-main/webphonebook/web-phonebook-manager';
import { createWebPhonebookService } from '../../../src-main/webphonebook/web-phonebook-service';
import { DEFAULT_WEB_PHONEBOOK, type WebSyncState } from '../../../src-preload/contract';
import { startRadicale, type RadicaleLab } from '../../lab/radicale';
import { openConfDocument } from '../../support/main-services';
import { makeTempDir } from '../../support/temp-dir';
import { createTestOnlyCipher } from '../../support/test-only-cipher';
import { expectedName, landline, makeCard, makeCards } from './cards';
import { openCacheDb, quietLog } from './helpers';

let lab: RadicaleLab;
beforeAll(async () => {
  lab = await startRadicale();
  await lab.putMany('alice', makeCards(120));
  await lab.putMany('bob', makeCards(7, 'bob'));
}, 60_000);
afterAll(async () => {
  await lab?.dispose();
});

/** Timers the test fires by hand: what is scheduled, and when. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      pending.set(next, { fn, ms });
      return next++;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  return {
    timers,
    delays: () => [...pending.values()].map((p) => p.ms),
    fire() {
      const [[id, entry]] = [...pending.entries()] as [[number, { fn: () => void; ms: number }]];
      pending.delete(id);
      entry.fn();
    },
  };
}

let temp: ReturnType<typeof makeTempDir>;
let cache: ReturnType<typeof openCacheDb>;
beforeEach(() => {
  temp = makeTempDir();
  cache = openCacheDb();
});
afterEach(() => {
  cache.cleanup();
  temp.cleanup();
});

const web = (overrides: Partial<typeof DEFAULT_WEB_PHONEBOOK> = {}) => ({ ...DEFAULT_WEB_PHONEBOOK, enabled: true, loginId: 'alice', server: lab.host, ssl: false, syncIntervalMin: 30, ...overrides });

function setup(options: { chosenFile?: string | null } = {}) {
  const opened = openSettings(join(temp.dir, SETTINGS_FILE_NAME), openConfDocument(temp.dir), () => 1);
  const settings = createSettingsService({ document: opened.document, cipher: createTestOnlyCipher(), secretBackend: 'test', systemLocale: 'ja-JP', recoveredFromCorruptFile: false, log: quietLog });
  const clock = { now: () => 1_000_000 };
  const service = createWebPhonebookService({ db: cache.db, clock, log: quietLog, clientOptions: { timeoutMs: 5000 } });
  const published: WebSyncState[] = [];
  const opened_: string[] = [];
  const t = manualTimers();
  const manager = createWebPhonebookManager({
    service,
    settings,
    clock,
    log: quietLog,
    publish: (state) => published.push(state),
    openExternal: async (url) => {
      opened_.push(url);
    },
    chooseCertificateFile: async () => options.chosenFile ?? null,
    readFile: async (path) => (await import('node:fs/promises')).readFile(path),
    timers: t.timers,
    startDelayMs: 5000,
    retryDelayMs: 120_000,
  });
  return { settings, service, manager, published, opened: opened_, timers: t };
}

/** Waits for the sync a timer started. */
async function settled(manager: ReturnType<typeof setup>['manager']): Promise<WebSyncState> {
  for (let i = 0; i < 200 && manager.state().syncing; i++) await new Promise((r) => setTimeout(r, 25));
  return manager.state();
}

describe('schedule', () => {
  it('off or unconfigured: nothing is scheduled and nothing synced', () => {
    const { manager, timers } = setup();
    manager.start();
    expect(timers.delays()).toEqual([]);
    expect(manager.state()).toMatchObject({ enabled: false, syncing: false, cards: 0, last: null, nextSyncAt: null });
  });

  it('saved settings sync at once, with progress pushed to the page, then every interval', async () => {
    const { settings, manager, published, timers } = setup();
    settings.saveWebPhonebook({ settings: web(), password: 'alicepass' });
    expect(timers.delays()).toEqual([0]);
    timers.fire();
    const done = await settled(manager);
    expect(done).toMatchObject({ enabled: true, syncing: false, cards: 120, last: { ok: true, added: 120, updated: 0, deleted: 0, error: null }, nextSyncAt: 1_000_000 + 30 * 60_000 });
    expect(timers.delays()).toEqual([30 * 60_000]);
    const phases = published.filter((s) => s.syncing).map((s) => s.progress?.phase);
    expect(phases[0]).toBe('discover');
    expect(phases).toContain('fetch');
    const fetches = published.filter((s) => s.progress?.phase === 'fetch').map((s) => s.progress!.done);
    expect(fetches.at(-1)).toBe(120);
    expect(published.at(-1)).toEqual(done);

    // The next interval fires: an incremental sync with nothing to add.
    timers.fire();
    expect(manager.state().syncing).toBe(true);
    expect(await settled(manager)).toMatchObject({ cards: 120, last: { ok: true, added: 0, updated: 0, deleted: 0 } });
  });

  it('after start-up the first sync waits a little; a change of interval reschedules; 0 = on demand only', async () => {
    const { settings, manager, timers } = setup();
    settings.saveWebPhonebook({ settings: web(), password: 'alicepass' });
    timers.fire();
    await settled(manager);
    manager.start();
    expect(timers.delays()).toEqual([5000]);
    settings.saveWebPhonebook({ settings: web({ syncIntervalMin: 10 }) });
    expect(timers.delays()).toEqual([10 * 60_000]);
    settings.saveWebPhonebook({ settings: web({ syncIntervalMin: 0 }) });
    expect(timers.delays()).toEqual([]);
    expect((await manager.syncNow()).last?.ok).toBe(true);
    expect(timers.delays()).toEqual([]);
  });

  it('a sync requested while one runs joins it', async () => {
    const { settings, manager } = setup();
    settings.saveWebPhonebook({ settings: web({ syncIntervalMin: 0 }), password: 'alicepass' });
    const [a, b] = await Promise.all([manager.syncNow(), manager.syncNow()]);
    expect(a).toEqual(b);
    expect(a.last).toMatchObject({ ok: true, added: 120 });
  });
});

describe('an unknown caller', () => {
  it('starts an incremental sync and looks again, at most once per 30 s', async () => {
    const { settings, manager } = setup();
    settings.saveWebPhonebook({ settings: web({ syncIntervalMin: 0 }), password: 'alicepass' });
    await manager.syncNow();
    await lab.putCard('alice', 'late-0399', makeCard(9000, { prefix: 'late', landline: '0399990000' }).vcard);
    expect(manager.lookupCached('03-9999-0000')).toBeNull();
    expect((await manager.lookupAfterSync('03-9999-0000'))?.name).toBe(expectedName(9000));
    // Within the interval no second sync is started for another unknown number.
    await lab.putCard('alice', 'late-0398', makeCard(9001, { prefix: 'late', landline: '0399990001' }).vcard);
    const before = manager.state().last?.at;
    expect(await manager.lookupAfterSync('03-9999-0001')).toBeNull();
    expect(manager.state().last?.at).toBe(before);
    expect(manager.state().syncing).toBe(false);
    // The other tests expect the book as seeded.
    await lab.deleteCard('alice', 'late-0399');
    await lab.deleteCard('alice', 'late-0398');
  });
});

describe('failures and changes', () => {
  it('a wrong password: the reason is shown, the cache stays, a retry is scheduled', async () => {
    const { settings, manager, timers } = setup();
    settings.saveWebPhonebook({ settings: web(), password: 'alicepass' });
    timers.fire();
    await settled(manager);
    settings.saveWebPhonebook({ settings: web(), password: 'wrong' });
    const failed = await manager.syncNow();
    expect(failed).toMatchObject({ cards: 120, last: { ok: false, error: { code: 'auth', status: 401 } } });
    expect(timers.delays()).toEqual([120_000]);
    expect(manager.lookupCached(landline(5))?.name).toBe(expectedName(5));
  });

  it('another login ID empties the cache of the old one and syncs the new one; turning it off empties it', async () => {
    const { settings, manager, timers } = setup();
    settings.saveWebPhonebook({ settings: web(), password: 'alicepass' });
    timers.fire();
    await settled(manager);
    settings.saveWebPhonebook({ settings: web({ loginId: 'bob' }), password: 'bobpass' });
    // Cleared at once: no moment where bob's phone shows alice's address book.
    expect(manager.state().cards).toBe(0);
    expect(timers.delays()).toEqual([0]);
    timers.fire();
    expect((await settled(manager)).cards).toBe(7);
    settings.saveWebPhonebook({ settings: web({ loginId: 'bob', enabled: false }) });
    expect(manager.state()).toMatchObject({ enabled: false, cards: 0, nextSyncAt: null });
    expect(timers.delays()).toEqual([]);
    expect(manager.enabled()).toBe(false);
    expect(manager.search('', 10)).toEqual([]);
  });

  it('no password saved: a sync says so instead of asking the server', async () => {
    const { settings, manager } = setup();
    settings.saveWebPhonebook({ settings: web() });
    expect((await manager.syncNow()).last?.error?.code).toBe('no-password');
  });
});

describe('接続 test', () => {
  it('answers with the address books, or the precise reason; a stored password is used only for its own server', async () => {
    const { settings, manager } = setup();
    expect(await manager.test({ settings: web(), password: 'alicepass' })).toEqual({
      ok: true,
      addressBooks: [{ url: expect.stringContaining(lab.addressBookPath('alice')) as string, displayName: expect.any(String) as string }],
    });
    expect(await manager.test({ settings: web(), password: 'nope' })).toEqual({ ok: false, error: { code: 'auth', status: 401, certificateSubject: null } });
    settings.saveWebPhonebook({ settings: web(), password: 'alicepass' });
    expect((await manager.test({ settings: web() })).ok).toBe(true);
    // Another server typed without a password: the stored one is not sent there.
    expect(await manager.test({ settings: web({ server: `127.0.0.2:${lab.port}` }) })).toEqual({ ok: false, error: { code: 'no-password', status: null, certificateSubject: null } });
    expect(await manager.test({ settings: web({ server: '127.0.0.1:1' }), password: 'x' })).toMatchObject({ ok: false, error: { code: 'unreachable' } });
  });
});

describe('CA certificate file and the browser button', () => {
  it('reads a PEM or DER certificate with its subject; anything else is refused with a reason', async () => {
    const key = join(temp.dir, 'key.pem');
    const pem = join(temp.dir, 'ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', pem, '-days', '1', '-subj', '/O=ラボ/CN=Lab Private Root'], { stdio: 'ignore' });
    const der = join(temp.dir, 'ca.der');
    execFileSync('openssl', ['x509', '-in', pem, '-outform', 'DER', '-out', der]);
    const junk = join(temp.dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const big = join(temp.dir, 'big.pem');
    writeFileSync(big, Buffer.alloc(300 * 1024, 65));

    for (const file of [pem, der]) {
      const chosen = await setup({ chosenFile: file }).manager.chooseCertificate();
      expect(chosen?.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
      expect(chosen?.subject).toContain('CN=Lab Private Root');
    }
    expect(await setup({ chosenFile: null }).manager.chooseCertificate()).toBeNull();
    await expect(setup({ chosenFile: junk }).manager.chooseCertificate()).rejects.toMatchObject({ code: 'invalid-certificate' });
    await expect(setup({ chosenFile: big }).manager.chooseCertificate()).rejects.toMatchObject({ code: 'file-too-large' });
    await expect(setup({ chosenFile: join(temp.dir, 'missing.pem') }).manager.chooseCertificate()).rejects.toMatchObject({ code: 'file-error' });
  });

  it('opens only the saved https page', async () => {
    const { settings, manager, opened } = setup();
    expect(await manager.openPage()).toEqual({ opened: false });
    settings.saveWebPhonebook({ settings: web({ webPageUrl: 'https://phonebook.example.jp/電話帳?q=a b' }), password: 'alicepass' });
    expect(await manager.openPage()).toEqual({ opened: true });
    expect(opened).toEqual(['https://phonebook.example.jp/%E9%9B%BB%E8%A9%B1%E5%B8%B3?q=a%20b']);
  });
});
