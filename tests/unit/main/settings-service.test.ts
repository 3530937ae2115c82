import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SETTINGS_FILE_NAME } from '../../../src-main/app/main-services';
import { openSettings } from '../../../src-main/settings/open-settings';
import { createSettingsService } from '../../../src-main/settings/settings-service';
import { createTestMainServices, openConfDocument, quietLog } from '../../support/main-services';
import { DEFAULT_CALL_BUTTONS, DEFAULT_WEB_PHONEBOOK, WebPhonebookSettings } from '../../../src-preload/contract';
import { createTestOnlyCipher } from '../../support/test-only-cipher';
import { makeTempDir } from '../../support/temp-dir';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const account = {
  user: '1001',
  authorizationUser: '',
  domain: 'lab.test',
  wsServer: 'wss://pbx.example.jp/ws',
  outboundProxy: '',
  displayName: '山田 太郎',
  serviceCode: '',
};

function service(dir: string, cipher = createTestOnlyCipher(), backend = 'gnome_libsecret') {
  const opened = openSettings(join(dir, SETTINGS_FILE_NAME), openConfDocument(dir), () => 42);
  return {
    opened,
    settings: createSettingsService({
      document: opened.document,
      cipher,
      secretBackend: backend,
      systemLocale: 'ja-JP',
      recoveredFromCorruptFile: opened.setAsidePath !== null,
      log: quietLog,
    }),
  };
}

describe('settings service (conf on a temp folder, test-only cipher)', () => {
  it('starts empty with defaults', () => {
    const { settings } = service(temp.dir);
    expect(settings.view()).toMatchObject({ accounts: [], language: 'system', systemLocale: 'ja-JP', callButtons: DEFAULT_CALL_BUTTONS });
    expect(settings.credentials()).toEqual([]);
  });

  it('saves the account, keeps the password only encrypted, and reads it back after a restart', () => {
    const { settings } = service(temp.dir);
    const { id } = settings.saveAccount({ account, password: 'S3cret-パスワード' }).accounts[0]!;
    const file = readFileSync(join(temp.dir, SETTINGS_FILE_NAME), 'utf8');
    expect(file).not.toContain('S3cret');
    expect(file).toContain('pbx.example.jp');

    const again = service(temp.dir).settings;
    expect(again.view().accounts).toEqual([{ id, enabled: true, account, hasPassword: true }]);
    expect(again.credentials()).toEqual([{ id, account, password: 'S3cret-パスワード' }]);
  });

  it('omitting the password keeps it; an empty one clears it', () => {
    const { settings } = service(temp.dir);
    const { id } = settings.saveAccount({ account, password: 'one' }).accounts[0]!;
    settings.saveAccount({ id, account: { ...account, displayName: 'x' } });
    expect(settings.credentials()[0]?.password).toBe('one');
    expect(settings.view().accounts).toHaveLength(1);
    settings.saveAccount({ id, account, password: '' });
    expect(settings.view().accounts[0]?.hasPassword).toBe(false);
  });

  it('refuses to store a password when OS encryption is unavailable, rather than storing it in clear', () => {
    const { settings } = service(temp.dir, createTestOnlyCipher({ available: false }));
    expect(() => settings.saveAccount({ account, password: 'pw' })).toThrow(/secret storage/);
    expect(settings.view().accounts).toEqual([]);
  });

  it('flags the Linux basic_text backend as weak so the UI can warn', () => {
    expect(service(temp.dir, createTestOnlyCipher(), 'basic_text').settings.view().secretStorage).toEqual({
      backend: 'basic_text',
      weak: true,
    });
  });

  it('notifies listeners on change', () => {
    const { settings } = service(temp.dir);
    const seen: string[] = [];
    const off = settings.onChange((v) => seen.push(v.language));
    settings.setLanguage('en');
    off();
    settings.setLanguage('ja');
    expect(seen).toEqual(['en']);
  });

  it('a corrupt settings file is set aside (not deleted), defaults are used, and the user is told', () => {
    const file = join(temp.dir, SETTINGS_FILE_NAME);
    writeFileSync(file, '{"account": {"user": "1001", ');
    const { settings, opened } = service(temp.dir);
    expect(opened.setAsidePath).toBe(`${file}.corrupt-42`);
    expect(readFileSync(opened.setAsidePath!, 'utf8')).toBe('{"account": {"user": "1001", ');
    expect(settings.view()).toMatchObject({ accounts: [], recoveredFromCorruptFile: true });
    settings.setLanguage('en');
    expect(service(temp.dir).settings.view()).toMatchObject({ language: 'en', recoveredFromCorruptFile: false });
  });

  it('a settings file of the wrong shape is treated like a corrupt one', () => {
    const file = join(temp.dir, SETTINGS_FILE_NAME);
    writeFileSync(file, JSON.stringify({ account: { user: '<script>', wsServer: 'http://evil' } }));
    const { settings, opened } = service(temp.dir);
    expect(opened.setAsidePath).not.toBeNull();
    expect(settings.view().recoveredFromCorruptFile).toBe(true);
    expect(readdirSync(temp.dir).filter((f) => f.includes('.corrupt-'))).toHaveLength(1);
  });
});

describe('web phonebook settings (Web電話帳設定)', () => {
  const web = { ...DEFAULT_WEB_PHONEBOOK, enabled: true, loginId: 'alice', server: 'phonebook.example.jp/dav' };

  it('stores the password only through the cipher; the view says only that there is one', () => {
    const { settings } = service(temp.dir);
    expect(settings.view().webPhonebook).toEqual(DEFAULT_WEB_PHONEBOOK);
    settings.saveWebPhonebook({ settings: web, password: 'Web-パス' });
    const file = readFileSync(join(temp.dir, SETTINGS_FILE_NAME), 'utf8');
    expect(file).not.toContain('Web-パス');
    expect(JSON.stringify(settings.view())).not.toContain('Web-パス');
    const again = service(temp.dir).settings;
    expect(again.view()).toMatchObject({ webPhonebook: web, hasWebPhonebookPassword: true });
    expect(again.webPhonebookPassword()).toBe('Web-パス');
  });

  it('a stored password is never offered to another server or login ID, and is dropped when they change', () => {
    const { settings } = service(temp.dir);
    settings.saveWebPhonebook({ settings: web, password: 'one' });
    // The 接続 test of typed settings: same server → the stored one; another server → none.
    expect(settings.webPhonebookPassword({ settings: web })).toBe('one');
    expect(settings.webPhonebookPassword({ settings: { ...web, server: 'evil.example.com' } })).toBeNull();
    expect(settings.webPhonebookPassword({ settings: { ...web, loginId: 'bob' } })).toBeNull();
    expect(settings.webPhonebookPassword({ settings: { ...web, server: 'evil.example.com' }, password: 'typed' })).toBe('typed');
    // Saving without a password keeps it for the same server, drops it for another.
    settings.saveWebPhonebook({ settings: { ...web, syncIntervalMin: 5 } });
    expect(settings.webPhonebookPassword()).toBe('one');
    settings.saveWebPhonebook({ settings: { ...web, server: 'other.example.jp' } });
    expect(settings.view().hasWebPhonebookPassword).toBe(false);
    expect(settings.webPhonebookPassword()).toBeNull();
  });

  it('validation: SSL off only for this PC, https page URLs, a PEM CA, required fields when on', () => {
    const issues = (value: object) => {
      const result = WebPhonebookSettings.safeParse({ ...web, ...value });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}:${i.message}`);
    };
    expect(issues({})).toEqual([]);
    expect(issues({ ssl: false })).toEqual(['ssl:validation.webSslRequired']);
    expect(issues({ ssl: false, server: '127.0.0.1:5232' })).toEqual([]);
    expect(issues({ ssl: false, server: 'localhost/dav' })).toEqual([]);
    expect(issues({ ssl: false, server: '[::1]:5232/dav' })).toEqual([]);
    expect(issues({ ssl: false, server: '127.0.0.1.example.com' })).toEqual(['ssl:validation.webSslRequired']);
    expect(issues({ server: 'https://x.example.jp' })).toEqual(['server:validation.webServer']);
    expect(issues({ server: 'a b.example.jp' })).toEqual(['server:validation.webServer']);
    expect(issues({ server: '', loginId: '' })).toEqual(['server:validation.required', 'loginId:validation.required']);
    expect(issues({ enabled: false, server: '', loginId: '' })).toEqual([]);
    expect(issues({ webPageUrl: 'http://phonebook.example.jp/' })).toEqual(['webPageUrl:validation.httpsUrl']);
    expect(issues({ webPageUrl: 'javascript:alert(1)' })).toEqual(['webPageUrl:validation.httpsUrl']);
    expect(issues({ webPageUrl: 'https://user:pw@phonebook.example.jp/' })).toEqual(['webPageUrl:validation.httpsUrl']);
    expect(issues({ webPageUrl: 'http://127.0.0.1/' })).toEqual(['webPageUrl:validation.httpsUrl']);
    expect(issues({ uploadUrl: 'http://127.0.0.1:8080/calls' })).toEqual([]);
    expect(issues({ uploadUrl: 'http://upload.example.jp/calls' })).toEqual(['uploadUrl:validation.httpsUrl']);
    expect(issues({ caCertPem: 'not a certificate' })).toEqual(['caCertPem:validation.caCert']);
    expect(issues({ syncIntervalMin: -1 })).toEqual(['syncIntervalMin:validation.syncInterval']);
    expect(issues({ loginId: 'a\u0000b' })).toEqual(['loginId:validation.controlChars']);
  });
});

describe('several accounts', () => {
  const second = { ...account, user: '2001', domain: 'pbx2.example.jp', wsServer: 'wss://pbx2.example.jp/ws', displayName: '営業' };

  it('keeps each account with its own password; only enabled ones are registered; order and delete', () => {
    const { settings } = service(temp.dir);
    const a = settings.saveAccount({ account, password: 'pw-a' }).accounts[0]!.id;
    const b = settings.saveAccount({ account: second, password: 'pw-b', enabled: false }).accounts[1]!.id;
    expect(a).not.toBe(b);
    expect(settings.credentials()).toEqual([{ id: a, account, password: 'pw-a' }]);
    settings.saveAccount({ id: b, enabled: true, account: second });
    // Reopened from the file: both, in order, each password its own.
    const again = service(temp.dir).settings;
    expect(again.credentials().map((c) => [c.id, c.password])).toEqual([[a, 'pw-a'], [b, 'pw-b']]);
    expect(again.orderAccounts([b, a]).accounts.map((entry) => entry.id)).toEqual([b, a]);
    expect(() => again.orderAccounts([b])).toThrow(/every account/);
    expect(() => again.orderAccounts([b, b])).toThrow(/every account/);
    const afterDelete = again.deleteAccount(b);
    expect(afterDelete.accounts.map((entry) => entry.id)).toEqual([a]);
    // The deleted account's password is gone from the file, not only from the list.
    const file = JSON.parse(readFileSync(join(temp.dir, SETTINGS_FILE_NAME), 'utf8')) as { secrets: { sipPasswords: Record<string, string> } };
    expect(Object.keys(file.secrets.sipPasswords)).toEqual([a]);
    expect(() => again.deleteAccount(b)).toThrow(/no such account/);
    expect(() => again.saveAccount({ id: b, account })).toThrow(/no such account/);
  });

  it('refuses a seventeenth account', () => {
    const { settings } = service(temp.dir);
    for (let i = 0; i < 16; i++) settings.saveAccount({ account: { ...account, user: `10${i + 10}` } });
    expect(() => settings.saveAccount({ account })).toThrow(/at most 16/);
    expect(settings.view().accounts).toHaveLength(16);
  });

  it('reads a settings file from before several accounts, password included', () => {
    const cipher = createTestOnlyCipher();
    const legacy = { account, language: 'ja', secrets: { sipPassword: cipher.encryptString('legacy-pw').toString('base64') } };
    writeFileSync(join(temp.dir, SETTINGS_FILE_NAME), JSON.stringify(legacy));
    const { settings, opened } = service(temp.dir, cipher);
    expect(opened.setAsidePath).toBeNull();
    expect(settings.view()).toMatchObject({ language: 'ja', accounts: [{ enabled: true, account, hasPassword: true }] });
    expect(settings.credentials()).toEqual([{ id: 'account-1', account, password: 'legacy-pw' }]);
    // Written back in the new shape on the next change.
    settings.setLanguage('en');
    const file = JSON.parse(readFileSync(join(temp.dir, SETTINGS_FILE_NAME), 'utf8')) as Record<string, unknown>;
    expect(file).not.toHaveProperty('account');
    expect(file).toHaveProperty('accounts');
  });

  it('reads a legacy file without an account as no accounts', () => {
    writeFileSync(join(temp.dir, SETTINGS_FILE_NAME), JSON.stringify({ account: null, secrets: {} }));
    const { settings, opened } = service(temp.dir);
    expect(opened.setAsidePath).toBeNull();
    expect(settings.view().accounts).toEqual([]);
  });
});

describe('createMainServices', () => {
  it('wires settings, history and the dispatcher on one folder', async () => {
    const services = createTestMainServices(temp.dir, { systemLocale: 'en-US' });
    const result = await services.dispatch('tsunagu:settings:get', undefined, { url: 'app://tsunagu/index.html', isMainFrame: true });
    expect(result).toMatchObject({ ok: true, value: { accounts: [], systemLocale: 'en-US' } });
    services.close();
  });
});
