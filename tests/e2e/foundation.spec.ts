// The foundation slice end to end: the real renderer bundle in Chromium, the real main-process
// services (SQLite file, settings file) behind the bridge, a real Kamailio. Each test asserts
// what a user would see, and the history rows as they are in the SQLite file afterwards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio } from '../lab/kamailio';
import { dial, expect, expectRegistered, inboundAudioPackets, labAccount, test } from './fixtures';

test.describe('registration', () => {
  test('an account entered in settings registers: the lamp turns green 通話可能', async ({ openPhone, lab }) => {
    const app = await openPhone({ label: '1001' });
    const { page } = app;
    await expect(page.getByTestId('registration-label')).toHaveText('未設定');

    await page.getByTestId('account-user').fill('1001');
    await page.getByTestId('account-domain').fill(lab.domain);
    await page.getByTestId('account-wsServer').fill(lab.wsUrl);
    await page.getByTestId('account-displayName').fill('受付 一郎');
    await page.getByTestId('account-password').fill('pass1001');
    await page.getByTestId('save-account').click();

    await expectRegistered(page);
    await expect(page.getByTestId('account-label')).toHaveText('受付 一郎');
    await expect.poll(() => lab.lookup('1001')).toHaveLength(1);
    // The password reached the server, but the settings file only holds it encrypted.
    const file = readFileSync(join(app.userDataDir, 'settings.json'), 'utf8');
    expect(file).toContain('"user": "1001"');
    expect(file).not.toContain('pass1001');
  });

  test('invalid settings are refused field by field, in Japanese, and nothing is saved', async ({ openPhone }) => {
    const { page, services } = await openPhone({ label: 'form' });
    await page.getByTestId('account-user').fill('10 01');
    await page.getByTestId('account-domain').fill('lab.test');
    await page.getByTestId('account-wsServer').fill('ws://pbx.example.jp/ws');
    await page.getByTestId('save-account').click();
    await expect(page.getByTestId('error-user')).toHaveText('半角英数字と . _ ~ + * # - のみ使用できます');
    await expect(page.getByTestId('error-wsServer')).toContainText('wss://');
    expect(services.settings.view().accounts).toEqual([]);
  });

  test('a wrong password shows red 認証に失敗しました', async ({ phoneFor }) => {
    const { page } = await phoneFor('1002', { password: 'not-the-password' });
    await expect(page.getByTestId('registration-lamp')).toHaveAttribute('data-state', 'error');
    await expect(page.getByTestId('registration-label')).toHaveText('認証に失敗しました');
  });

  test('a dead server shows 再接続中 — サーバーに接続できません, and the phone registers when it comes back', async ({ openPhone }) => {
    const lab = await startKamailio({ users: [{ user: '1001', password: 'pass1001' }] });
    try {
      await lab.stop();
      const { page } = await openPhone({ label: 'down', account: labAccount(lab, '1001'), password: 'pass1001' });
      // Amber, not red: nothing for the user to fix, the phone keeps trying (and says when).
      await expect(page.getByTestId('registration-lamp')).toHaveAttribute('data-state', 'busy');
      await expect(page.getByTestId('registration-label')).toHaveText('再接続中');
      await expect(page.getByTestId('registration-detail')).toContainText('サーバーに接続できません');
      await expect(page.getByTestId('registration-detail')).toContainText('秒後に再試行');

      await lab.start();
      await expectRegistered(page);
      await expect.poll(() => lab.lookup('1001')).toHaveLength(1);
    } finally {
      await lab.dispose();
    }
  });
});

test.describe('calls between two phones', () => {
  test('A calls B, B answers, audio flows both ways, A hangs up; both histories record it', async ({ openPhone, phoneFor, lab }) => {
    const a = await openPhone({ label: '1003', account: labAccount(lab, '1003', { displayName: '山田 太郎' }), password: 'pass1003' });
    const b = await phoneFor('1004');
    await expectRegistered(a.page);
    await expectRegistered(b.page);

    await dial(a.page, '1004');
    await expect(a.page.getByTestId('call-status')).toHaveText('通話準備中');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    await expect(b.page.getByTestId('remote-name')).toHaveText('山田 太郎');
    await expect(b.page.getByTestId('remote-number')).toHaveText('1003');

    await b.page.getByTestId('answer-button').click();
    await expect(a.page.getByTestId('call-status')).toHaveText('通話中');
    await expect(b.page.getByTestId('call-status')).toHaveText('通話中');
    // Audio really flows: each side's peer connection receives RTP from the other's fake mic.
    await expect.poll(() => inboundAudioPackets(a.page)).toBeGreaterThan(10);
    await expect.poll(() => inboundAudioPackets(b.page)).toBeGreaterThan(10);
    await expect(b.page.getByTestId('remote-audio')).toHaveJSProperty('paused', false);

    await a.page.getByTestId('hangup-button').click();
    await expect(a.page.getByTestId('call-status')).toHaveText('待機中');
    await expect(b.page.getByTestId('call-status')).toHaveText('待機中');

    await expect.poll(() => a.history()[0]?.outcome).toBe('answered');
    await expect.poll(() => b.history()[0]?.outcome).toBe('answered');
    const [ra] = a.history();
    const [rb] = b.history();
    expect(a.history()).toHaveLength(1);
    expect(b.history()).toHaveLength(1);
    expect(ra).toMatchObject({ direction: 'outgoing', remoteNumber: '1004', localAccount: '1003@lab.test', endReason: 'bye:local' });
    expect(rb).toMatchObject({ direction: 'incoming', remoteNumber: '1003', remoteName: '山田 太郎', localAccount: '1004@lab.test', endReason: 'bye:remote' });
    for (const row of [ra!, rb!]) {
      expect(row.answeredAt).not.toBeNull();
      expect(row.endedAt!).toBeGreaterThanOrEqual(row.answeredAt!);
      expect(row.durationSec).toBe(Math.floor((row.endedAt! - row.answeredAt!) / 1000));
    }

    // The user finds the call in the history tab.
    await a.page.getByTestId('tab-history').click();
    await expect(a.page.getByTestId('history-row')).toHaveCount(1);
    await expect(a.page.getByTestId('history-row')).toHaveAttribute('data-type', 'outgoing');
    await expect(a.page.getByTestId('history-row')).toContainText('発信');
    await expect(a.page.getByTestId('history-row')).toContainText('1004');
  });

  test('B rejects A’s call: A sees it refused, B’s history says 拒否', async ({ phoneFor }) => {
    const a = await phoneFor('1005');
    const b = await phoneFor('1006');
    await expectRegistered(a.page);
    await expectRegistered(b.page);

    await dial(a.page, '1006');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    await b.page.getByTestId('reject-button').click();
    await expect(a.page.getByTestId('call-status')).toHaveText('待機中');
    await expect(a.page.getByTestId('last-call')).toHaveAttribute('data-outcome', 'rejected');
    await expect(b.page.getByTestId('call-status')).toHaveText('待機中');

    await expect.poll(() => b.history()[0]?.outcome).toBe('rejected');
    await expect.poll(() => a.history()[0]?.outcome).toBe('rejected');
    expect(a.history()).toEqual([expect.objectContaining({ direction: 'outgoing', remoteNumber: '1006', answeredAt: null, durationSec: null, endReason: 'sip:486' })]);
    expect(b.history()).toEqual([expect.objectContaining({ direction: 'incoming', remoteNumber: '1005', answeredAt: null, durationSec: null })]);

    await b.page.getByTestId('tab-history').click();
    await expect(b.page.getByTestId('history-row')).toHaveAttribute('data-type', 'rejected');
    await expect(b.page.getByTestId('history-row')).toContainText('拒否');
  });

  test('A cancels before B answers: A’s history says cancelled, B’s says 不在', async ({ phoneFor }) => {
    const a = await phoneFor('1007');
    const b = await phoneFor('1008');
    await expectRegistered(a.page);
    await expectRegistered(b.page);

    await dial(a.page, '1008');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    await a.page.getByTestId('hangup-button').click();
    await expect(a.page.getByTestId('call-status')).toHaveText('待機中');
    await expect(b.page.getByTestId('call-status')).toHaveText('待機中');

    await expect.poll(() => a.history()[0]?.outcome).toBe('cancelled');
    await expect.poll(() => b.history()[0]?.outcome).toBe('missed');
    expect(a.history()).toHaveLength(1);
    expect(b.history()).toEqual([expect.objectContaining({ direction: 'incoming', remoteNumber: '1007', answeredAt: null })]);

    await b.page.getByTestId('tab-history').click();
    await expect(b.page.getByTestId('history-row')).toHaveAttribute('data-type', 'missed');
    await expect(b.page.getByTestId('history-row')).toContainText('不在');
  });
});
