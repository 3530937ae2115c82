// Several SIP accounts at once (issue 7): each registers on its own and has its own lamp in the
// window and the tray; an outgoing call goes out from the chosen account's identity; an incoming
// call says which line was called; each account's mailbox has its own voicemail lamp. Real
// Kamailio, real browser phones, real main services.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import iconv from 'iconv-lite';
import { dial, expect, expectRegistered, labAccount, test } from './fixtures';
import type { PhoneApp } from './harness/phone-app';

const status = (app: PhoneApp) => app.page.getByTestId('call-status');
const lamp = (page: Page, user: string) => page.getByTestId('account-status').filter({ has: page.getByTestId('account-label').filter({ hasText: user }) });

function passwordOf(lab: { users: readonly { user: string; password: string }[] }, user: string): string {
  return lab.users.find((u) => u.user === user)!.password;
}

test('two accounts registered at once: own lamps and tray lines, calls out from the chosen identity, incoming shows the line called', async ({ openPhone, phoneFor, lab }) => {
  const me = await openPhone({
    label: 'two-lines',
    account: labAccount(lab, '1005'),
    password: passwordOf(lab, '1005'),
    beforeLoad: (services) => services.settings.saveAccount({ account: labAccount(lab, '1006', { displayName: '営業窓口' }), password: passwordOf(lab, '1006') }),
  });
  const peer = await phoneFor('1007');
  await expectRegistered(peer.page);

  // Both lamps, each 通話可能 on its own.
  await expect(me.page.getByTestId('account-status')).toHaveCount(2);
  for (const label of ['1005', '営業窓口']) {
    await expect(lamp(me.page, label)).toHaveAttribute('data-state', 'registered');
    await expect(lamp(me.page, label).getByTestId('registration-label')).toHaveText('通話可能');
  }
  // The tray has one status line per account.
  await expect.poll(() => me.desktop.lastTray()?.menuStatusLines).toEqual(['1005@lab.test — 通話可能', '営業窓口 (1006@lab.test) — 通話可能']);
  const [first, second] = me.services.settings.view().accounts;

  // Outgoing on the second account: the far end sees 1006 calling, our history says 1006 called.
  await expect(me.page.getByTestId('dial-account')).toHaveValue(first!.id);
  await me.page.getByTestId('dial-account').selectOption(second!.id);
  await dial(me.page, '1007');
  await expect(status(peer)).toHaveText('着信中');
  await expect(peer.page.getByTestId('remote-name')).toHaveText('営業窓口');
  await expect(peer.page.getByTestId('remote-number')).toHaveText('1006');
  await expect(me.page.getByTestId('called-line')).toHaveText('発信元: 営業窓口 (1006)');
  await peer.page.getByTestId('reject-button').click();
  await expect(status(me)).toHaveText('待機中');
  await expect.poll(() => me.history()[0]?.outcome ?? null).not.toBeNull();
  expect(me.history()[0]).toMatchObject({ direction: 'outgoing', remoteNumber: '1007', localAccount: '1006@lab.test' });
  await expect.poll(() => peer.history()[0]?.remoteNumber ?? null).toBe('1006');

  // A line key can name the account too: 営業回線 calls from 1006 whatever is chosen beside the keypad.
  await me.page.getByTestId('dial-account').selectOption(first!.id);
  await me.page.getByTestId('tab-settings').click();
  const buttons = me.page.getByTestId('call-buttons-settings');
  await buttons.getByTestId('buttons-lines-add').click();
  await buttons.getByTestId('buttons-lines.0.label').fill('営業回線');
  await buttons.getByTestId('buttons-lines.0.account').selectOption(second!.id);
  await buttons.getByTestId('buttons-save').click();
  await expect(buttons.getByTestId('buttons-saved')).toBeVisible();
  expect(me.services.settings.view().callButtons.lines[0]).toMatchObject({ label: '営業回線', account: second!.id });
  await me.page.getByTestId('tab-phone').click();
  await me.page.getByTestId('line-select').click();
  await expect(me.page.getByTestId('dial-account')).toHaveValue(second!.id);
  await dial(me.page, '1007');
  await expect(status(peer)).toHaveText('着信中');
  await expect(peer.page.getByTestId('remote-number')).toHaveText('1006');
  await peer.page.getByTestId('reject-button').click();
  await expect(status(me)).toHaveText('待機中');
  await me.page.getByTestId('line-select-default').click();
  await expect(me.page.getByTestId('dial-account')).toHaveValue(first!.id);

  // Incoming to each account names the line that was called, on screen and in the notification.
  for (const [called, line, account] of [
    ['1005', '1005', '1005@lab.test'],
    ['1006', '営業窓口 (1006)', '1006@lab.test'],
  ] as const) {
    const notificationsBefore = me.desktop.notifications.length;
    await dial(peer.page, called);
    await expect(status(me)).toHaveText('着信中');
    await expect(me.page.getByTestId('called-line')).toHaveText(`着信先: ${line}`);
    await expect.poll(() => JSON.stringify(me.desktop.notifications.slice(notificationsBefore).map((n) => n.content))).toContain(`着信先: ${account}`);
    await me.page.getByTestId('answer-button').click();
    await expect(status(peer)).toHaveText('通話中');
    await me.page.getByTestId('hangup-button').click();
    await expect(status(peer)).toHaveText('待機中');
    await expect.poll(() => me.history()[0]?.outcome ?? null).toBe('answered');
    expect(me.history()[0]).toMatchObject({ direction: 'incoming', remoteNumber: '1007', localAccount: account });
  }
});

test('each account has its own voicemail lamp: a message for one line lights that line’s lamp only', async ({ openPhone, lab }) => {
  const me = await openPhone({
    label: 'two-mailboxes',
    account: labAccount(lab, '1002'),
    password: passwordOf(lab, '1002'),
    beforeLoad: (services) => services.settings.saveAccount({ account: labAccount(lab, '1004', { displayName: '営業窓口' }), password: passwordOf(lab, '1004') }),
  });
  for (const label of ['1002', '営業窓口']) await expect(lamp(me.page, label)).toHaveAttribute('data-state', 'registered');
  const [first, second] = me.services.settings.view().accounts;
  const mailbox = (id: string) => me.page.locator(`[data-testid="mwi-lamp"][data-account="${id}"]`);
  await expect(me.page.getByTestId('mwi-lamp')).toHaveCount(2);
  await expect(mailbox(first!.id)).toHaveText('1002：留守電なし');
  await expect(mailbox(second!.id)).toHaveText('営業窓口：留守電なし');

  await lab.publishMessageSummary('1004', { newMessages: 2, oldMessages: 0 });
  await expect(mailbox(second!.id)).toHaveAttribute('data-waiting', 'true');
  await expect(mailbox(second!.id)).toHaveText('営業窓口：留守電あり（新着 2 件）');
  await expect(mailbox(first!.id)).toHaveAttribute('data-waiting', 'false');

  // Listened to: the lamp goes out (and the lab's mailbox is left empty for later tests).
  await lab.publishMessageSummary('1004', { newMessages: 0, oldMessages: 2 });
  await expect(mailbox(second!.id)).toHaveText('営業窓口：留守電なし');
});

test('one account failing (wrong password) does not hold back the other; disabling one is the single-active-account mode', async ({ openPhone, lab }) => {
  const me = await openPhone({
    label: 'one-bad',
    account: labAccount(lab, '1008'),
    password: 'wrong-password',
    beforeLoad: (services) => services.settings.saveAccount({ account: labAccount(lab, '1009'), password: passwordOf(lab, '1009') }),
  });
  await expect(lamp(me.page, '1008').getByTestId('registration-label')).toHaveText('認証に失敗しました');
  await expect(lamp(me.page, '1009').getByTestId('registration-label')).toHaveText('通話可能');
  // The call button follows the account it would call from.
  await me.page.getByTestId('dial-input').fill('1001');
  await expect(me.page.getByTestId('call-button')).toBeDisabled();
  const good = me.services.settings.view().accounts[1]!.id;
  await me.page.getByTestId('dial-account').selectOption(good);
  await expect(me.page.getByTestId('call-button')).toBeEnabled();

  // Settings: switch the failing account off; the page reloads with one line only.
  await me.page.getByTestId('tab-settings').click();
  const rows = me.page.getByTestId('account-row');
  await expect(rows).toHaveCount(2);
  // A click, not uncheck(): saving reloads the page, so the checkbox it clicked is gone at once.
  await rows.nth(0).getByTestId('account-row-enabled').click({ noWaitAfter: true });
  await expect(me.page.getByTestId('account-status')).toHaveCount(0);
  await expectRegistered(me.page);
  await expect(me.page.getByTestId('account-label')).toHaveText('1009');
  expect(me.services.settings.credentials().map((c) => c.account.user)).toEqual(['1009']);
});

test('an account added from a pasted provisioning sheet registers beside the first', async ({ openPhone, lab }) => {
  const me = await openPhone({ label: 'provisioned', account: labAccount(lab, '1001'), password: passwordOf(lab, '1001') });
  await expectRegistered(me.page);
  await me.page.getByTestId('tab-settings').click();
  await me.page.getByTestId('account-add').click();
  await me.page.getByTestId('provision-paste').click();
  const port = new URL(lab.wsUrl).port;
  const sheet = [
    '■ご利用内容のご案内',
    `端末ID：1002`,
    `パスワード：${passwordOf(lab, '1002')}`,
    `内線サーバアドレス：${lab.domain}`,
    `WebSocketサーバ：ws://127.0.0.1:${port}`,
    '表示名：受付 2',
  ].join('\n');
  await me.page.getByTestId('provision-text').fill(sheet);
  await me.page.getByTestId('provision-read').click();
  await expect(me.page.getByTestId('account-user')).toHaveValue('1002');
  await expect(me.page.getByTestId('account-domain')).toHaveValue(lab.domain);
  await expect(me.page.getByTestId('account-displayName')).toHaveValue('受付 2');
  await me.page.getByTestId('save-account').click();
  await expect(me.page.getByTestId('account-status')).toHaveCount(2);
  await expect(lamp(me.page, '受付 2').getByTestId('registration-label')).toHaveText('通話可能');
  await expect(lamp(me.page, '1001').getByTestId('registration-label')).toHaveText('通話可能');
});

test('a tsunagu://provision link fills the form and is saved only after the user confirms', async ({ openPhone, lab }) => {
  const me = await openPhone({ label: 'link', account: labAccount(lab, '1003'), password: passwordOf(lab, '1003') });
  await expectRegistered(me.page);
  const ws = encodeURIComponent(lab.wsUrl);
  const link = `tsunagu://provision?user=1004&domain=${lab.domain}&ws=${ws}&name=%E5%96%B6%E6%A5%AD&password=${encodeURIComponent(passwordOf(lab, '1004'))}`;
  expect(me.services.links.handleLink(link)).toBe(true);
  await expect(me.page.getByTestId('provision-link-notice')).toBeVisible();
  await expect(me.page.getByTestId('account-user')).toHaveValue('1004');
  await expect(me.page.getByTestId('account-displayName')).toHaveValue('営業');
  // Nothing saved yet; the first confirmation is declined.
  expect(me.services.settings.view().accounts).toHaveLength(1);
  await me.page.getByTestId('save-account').click();
  await expect(me.page.getByTestId('confirm-dialog')).toContainText(lab.wsUrl);
  await me.page.getByTestId('confirm-no').click();
  expect(me.services.settings.view().accounts).toHaveLength(1);
  await me.page.getByTestId('save-account').click();
  await me.page.getByTestId('confirm-yes').click();
  await expect(me.page.getByTestId('account-status')).toHaveCount(2);
  await expect(lamp(me.page, '営業').getByTestId('registration-label')).toHaveText('通話可能');
  // A hostile link (unknown parameter) is refused without touching the form or the settings.
  expect(me.services.links.handleLink(`tsunagu://provision?user=1005&domain=${lab.domain}&evil=1`)).toBe(false);
  expect(me.services.settings.view().accounts).toHaveLength(2);
});

test('an account chosen from a PBX portal CSV export in Shift_JIS (the row is the user\'s pick; bad rows say why)', async ({ openPhone, lab }) => {
  const me = await openPhone({ label: 'csv', account: labAccount(lab, '1005'), password: passwordOf(lab, '1005') });
  await expectRegistered(me.page);
  const dir = mkdtempSync(join(tmpdir(), 'tsunagu-provision-'));
  try {
    const csv = [
      '内線番号,表示名,SIPパスワード,SIPドメイン,WebSocket URL',
      `1006,総務 佐藤,${passwordOf(lab, '1006')},${lab.domain},${lab.wsUrl}`,
      `1007,"営業, 山田",${passwordOf(lab, '1007')},bad domain!,${lab.wsUrl}`,
      `1008,受付,${passwordOf(lab, '1008')},${lab.domain},${lab.wsUrl}`,
    ].join('\r\n');
    const file = join(dir, 'export.csv');
    // Excel on Japanese Windows writes CP932.
    writeFileSync(file, iconv.encode(csv, 'cp932'));
    me.desktop.files.open = file;
    await me.page.getByTestId('tab-settings').click();
    await me.page.getByTestId('account-add').click();
    await me.page.getByTestId('provision-file').click();
    const entries = me.page.getByTestId('provision-entry');
    await expect(entries).toHaveCount(3);
    await expect(entries.nth(1)).toHaveAttribute('data-ok', 'false');
    await expect(entries.nth(1)).toContainText('3行目');
    await expect(entries.nth(1)).toContainText('SIPドメイン の値が正しくありません');
    await entries.nth(0).getByTestId('provision-choose').click();
    await expect(me.page.getByTestId('account-user')).toHaveValue('1006');
    await expect(me.page.getByTestId('account-displayName')).toHaveValue('総務 佐藤');
    await me.page.getByTestId('save-account').click();
    await expect(lamp(me.page, '総務 佐藤').getByTestId('registration-label')).toHaveText('通話可能');
    expect(me.services.settings.credentials().map((c) => c.account.user)).toEqual(['1005', '1006']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
