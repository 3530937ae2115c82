// The web phonebook end to end: the real renderer and main services, a real Radicale (CardDAV)
// and a real Kamailio. Settings through the UI (接続, save, sync), the read-only list, the
// browser button, and the incoming call that shows the number, then the name, then the photo.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_WEB_PHONEBOOK } from '../../src-preload/contract';
import { startRadicale, type RadicaleLab } from '../lab/radicale';
import { makeCards, PHOTO_PNG_BASE64 } from '../unit/webphonebook/cards';
import { dial, expect, expectRegistered, test } from './fixtures';
import type { PhoneApp } from './harness/phone-app';

let radicale: RadicaleLab;

test.beforeAll(async () => {
  radicale = await startRadicale();
  await radicale.putMany('alice', makeCards(300));
});
test.afterAll(async () => {
  await radicale?.dispose();
});

function webSettings(overrides: Record<string, unknown> = {}) {
  return { ...DEFAULT_WEB_PHONEBOOK, enabled: true, loginId: 'alice', server: radicale.host, ssl: false, ...overrides };
}

function vcard(uid: string, name: string, kana: string, tel: string, photo: boolean): string {
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${name}`, `N:${name.split(' ')[0]};${name.split(' ')[1]};;;`, `X-PHONETIC-LAST-NAME:${kana}`, 'ORG:ラボ商事株式会社', `TEL;TYPE=WORK:${tel}`];
  if (photo) lines.push(`PHOTO;ENCODING=b;TYPE=PNG:${PHOTO_PNG_BASE64}`);
  lines.push('END:VCARD');
  return `${lines.join('\r\n')}\r\n`;
}

test('Web電話帳設定: 接続 answers 認証に成功しました or why, saving syncs, the list is searchable and the page button opens the browser', async ({ phoneFor }) => {
  const app = await phoneFor('1001');
  const { page } = app;
  await page.getByTestId('tab-settings').click();
  const form = page.getByTestId('web-settings');
  await form.getByTestId('web-enabled').check();
  await form.getByTestId('web-loginId').fill('alice');

  // SSL off is refused for a server on another machine (Basic credentials in clear).
  await form.getByTestId('web-server').fill('phonebook.example.jp');
  await form.getByTestId('web-ssl').uncheck();
  await form.getByTestId('web-password').fill('alicepass');
  await form.getByTestId('web-test').click();
  await expect(form.getByTestId('web-error-ssl')).toHaveText('このPC以外のサーバーにはSSLが必要です（パスワードが暗号化されずに送られるため）');

  await form.getByTestId('web-server').fill(radicale.host);
  await form.getByTestId('web-password').fill('wrong');
  await form.getByTestId('web-test').click();
  await expect(form.getByTestId('web-test-result')).toHaveText('認証に失敗しました（ログインIDまたはパスワードが違います）');
  await form.getByTestId('web-password').fill('alicepass');
  await form.getByTestId('web-test').click();
  await expect(form.getByTestId('web-test-result')).toHaveText('認証に成功しました 1件のアドレス帳が見つかりました');

  // A non-https page is refused when saved; nothing is stored.
  await form.getByTestId('web-webPageUrl').fill('http://phonebook.example.jp/');
  await form.getByTestId('web-save').click();
  await expect(form.getByTestId('web-error-webPageUrl')).toHaveText('https:// で始まるURLを入力してください');
  expect(app.services.settings.view().webPhonebook.enabled).toBe(false);

  await form.getByTestId('web-webPageUrl').fill('https://phonebook.example.jp/calls?tab=1');
  await form.getByTestId('web-save').click();
  await expect(form.getByTestId('web-message')).toHaveText('保存しました');
  // Saving starts the first sync; the result is shown with the counts.
  await expect(page.getByTestId('web-sync-last')).toContainText('追加 300・更新 0・削除 0');
  await expect(page.getByTestId('web-sync-cards')).toHaveText('キャッシュ: 300件');

  // The password went through the cipher only: not in the settings file.
  const file = readFileSync(join(app.userDataDir, 'settings.json'), 'utf8');
  expect(file).not.toContain('alicepass');
  expect(app.services.settings.view().hasWebPhonebookPassword).toBe(true);

  // A favourite of the personal phonebook stays one click away with the web phonebook on.
  app.services.contacts.create({ name: '内線 1009', kana: 'ないせん', company: '', department: '', numbers: [{ label: '内線', number: '1009' }], email: '', notes: '', favourite: true, photo: null });
  await page.getByTestId('tab-phonebook').click();
  await expect(page.getByTestId('favourite-call')).toHaveText('★ 内線 1009');

  await page.getByTestId('book-web').click();
  await expect(page.getByTestId('web-contact-row')).toHaveCount(100);
  // The same kana- and number-aware search as the personal phonebook.
  await page.getByTestId('web-search').fill('+81 3 2000 0007');
  await expect(page.getByTestId('web-contact-name')).toHaveText(['中村 太郎7']);
  await page.getByTestId('web-search').fill('ｽｽﾞｷ');
  await expect(page.getByTestId('web-contact-row').first()).toContainText('鈴木');
  await page.getByTestId('web-search').fill('なかむら');
  await expect(page.getByTestId('web-contact-row').first()).toContainText('中村');
  await page.getByTestId('web-search').fill('ないもの');
  await expect(page.getByTestId('web-empty')).toBeVisible();

  await page.getByTestId('web-open-page').click();
  await expect.poll(() => app.desktop.opened).toEqual(['https://phonebook.example.jp/calls?tab=1']);

  // An edit and a delete on the server reach the list with 今すぐ同期.
  await radicale.putCard('alice', 'card-00007', vcard('card-00007', '山本 次郎', 'やまもと', '03-2000-0007', false));
  await radicale.deleteCard('alice', 'card-00000');
  await page.getByTestId('tab-settings').click();
  await page.getByTestId('web-sync-now').click();
  await expect(page.getByTestId('web-sync-last')).toContainText('追加 0・更新 1・削除 1');
  await page.getByTestId('tab-phonebook').click();
  await page.getByTestId('book-web').click();
  await page.getByTestId('web-search').fill('0320000007');
  await expect(page.getByTestId('web-contact-name')).toHaveText(['山本 次郎']);

  // Turning it off empties the cache: the company's address book does not stay on this PC.
  await page.getByTestId('tab-settings').click();
  await page.getByTestId('web-enabled').uncheck();
  await page.getByTestId('web-save').click();
  await expect.poll(() => app.services.webPhonebook.state().cards).toBe(0);
});

/** Records, from the first DOM mutation on, what the callee's screen shows of the caller. */
async function recordCallerDisplay(app: PhoneApp): Promise<void> {
  await app.page.evaluate(() => {
    const seen: { status: string; name: string; number: string; photo: boolean }[] = [];
    (window as unknown as { __callerDisplay: typeof seen }).__callerDisplay = seen;
    const snapshot = () => {
      const status = document.querySelector('[data-testid="call-status"]')?.textContent ?? '';
      const name = document.querySelector('[data-testid="remote-name"]')?.textContent ?? '';
      const number = document.querySelector('[data-testid="remote-number"]')?.textContent ?? '';
      const photo = document.querySelector('[data-testid="remote-photo"]') !== null;
      const last = seen.at(-1);
      if (!last || last.status !== status || last.name !== name || last.number !== number || last.photo !== photo) seen.push({ status, name, number, photo });
    };
    new MutationObserver(snapshot).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const callerDisplay = (app: PhoneApp) =>
  app.page.evaluate(() => (window as unknown as { __callerDisplay: { status: string; name: string; number: string; photo: boolean }[] }).__callerDisplay.filter((s) => s.status === '着信中'));

/** A history receiver on loopback: what arrived, by idempotency key. */
async function startReceiver() {
  const received: { key: string; auth: string; body: Record<string, unknown> }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ key: String(req.headers['idempotency-key']), auth: String(req.headers.authorization), body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('an incoming call from a number only on the web phonebook server shows the number, then the name, then the photo; its record is uploaded', async ({ phoneFor }) => {
  const receiver = await startReceiver();
  const callee = await phoneFor('1003');
  const caller = await phoneFor('1004');
  const cached = await phoneFor('1005');
  callee.services.settings.saveWebPhonebook({ settings: webSettings({ uploadUrl: receiver.url }), password: 'alicepass' });
  await expect.poll(() => callee.services.webPhonebook.state().last?.ok ?? null).toBe(true);

  // Added after the sync: only a live query on the server can find it.
  await radicale.putCard('alice', 'live-1004', vcard('live-1004', '高橋 一郎', 'たかはし', '1004', true));
  expect(callee.services.webPhonebook.lookupCached('1004')).toBeNull();

  await expectRegistered(callee.page);
  await expectRegistered(caller.page);
  await recordCallerDisplay(callee);
  await dial(caller.page, '1003');
  await expect(callee.page.getByTestId('call-status')).toHaveText('着信中');
  await expect(callee.page.getByTestId('remote-photo')).toBeVisible();
  await expect(callee.page.getByTestId('remote-name')).toHaveText('高橋 一郎');
  await expect(callee.page.getByTestId('remote-number')).toHaveText('1004');

  const shown = await callerDisplay(callee);
  // First the number alone, then the name without the photo, then the photo.
  expect(shown[0]).toEqual({ status: '着信中', name: '1004', number: '', photo: false });
  const named = shown.findIndex((s) => s.name === '高橋 一郎');
  const pictured = shown.findIndex((s) => s.photo);
  expect(named).toBeGreaterThan(0);
  expect(shown[named]!.photo).toBe(false);
  expect(pictured).toBeGreaterThan(named);

  // The notification went up at once with the number and was replaced once the name was known.
  await expect.poll(() => callee.desktop.notifications.map((n) => [n.content.title, n.closed])).toEqual([
    ['着信: 1004', true],
    ['着信: 高橋 一郎', false],
  ]);
  await caller.page.getByTestId('hangup-button').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('待機中');

  // The missed call went to the history receiver once, as JSON, keyed by the call id, with the
  // web phonebook credentials.
  const missed = callee.history()[0]!;
  await expect.poll(() => receiver.received.length).toBe(1);
  expect(receiver.received[0]).toEqual({
    key: missed.callId,
    auth: `Basic ${Buffer.from('alice:alicepass').toString('base64')}`,
    body: expect.objectContaining({ schema: 'tsunagu.call-record/1', callId: missed.callId, direction: 'incoming', outcome: 'missed', remoteNumber: '1004' }) as unknown,
  });

  // A number the cache has (synced card, written +81 3 2000 0012 on the server) is named from
  // the cache; the caller here is 1005, stored on a card as an extension.
  await radicale.putCard('alice', 'ext-1005', vcard('ext-1005', '田中 花子', 'たなか', '1005', false));
  await callee.services.webPhonebook.syncNow();
  expect(callee.services.webPhonebook.lookupCached('1005')?.name).toBe('田中 花子');
  await expectRegistered(cached.page);
  await dial(cached.page, '1003');
  await expect(callee.page.getByTestId('call-status')).toHaveText('着信中');
  await expect(callee.page.getByTestId('remote-name')).toHaveText('田中 花子');
  await cached.page.getByTestId('hangup-button').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('待機中');
  await expect.poll(() => receiver.received.map((r) => r.body.remoteNumber)).toEqual(['1004', '1005']);
  await receiver.close();
});
