// Call control as receptionists use it all day: hold that tells the truth, attended and blind
// transfer, call waiting, DTMF. Every case runs between real browser phones through Kamailio,
// and checks what each user sees, what they hear (getStats) and what each history records.
import type { Page } from '@playwright/test';
import type { PhoneApp } from './harness/phone-app';
import { connect, dial, expect, expectRegistered, growth, inboundAudioEnergy, inboundAudioPackets, receivedSip, sentSipRequests, test } from './fixtures';

const status = (app: PhoneApp) => app.page.getByTestId('call-status');


async function hold(page: Page): Promise<void> {
  await page.getByTestId('hold-button').click();
  await expect(page.getByTestId('call-status')).toHaveText('保留中');
}

/**
 * Three phones: `caller` calls `me`, `me` answers and holds, and types the target's number —
 * where every transfer starts.
 */
async function readyToTransfer(phoneFor: (user: string) => Promise<PhoneApp>, users: [string, string, string], typed = users[2]) {
  const [caller, me, target] = await Promise.all(users.map((user) => phoneFor(user)));
  await expectRegistered(target!.page);
  await connect(caller!, me!, users[1]);
  await hold(me!.page);
  await me!.page.getByTestId('dial-input').fill(typed);
  return { caller: caller!, me: me!, target: target! };
}

/** The history row of the call with `number` (newest first), once it has ended. */
async function endedRow(app: PhoneApp, number: string, nth = 0) {
  await expect.poll(() => app.history().filter((row) => row.remoteNumber === number)[nth]?.outcome ?? null).not.toBeNull();
  return app.history().filter((row) => row.remoteNumber === number)[nth]!;
}

test.describe('hold', () => {
  test('保留中 only once the far end accepted; audio stops both ways and comes back on resume', async ({ phoneFor }) => {
    const a = await phoneFor('1001');
    const b = await phoneFor('1002');
    await connect(a, b, '1002');
    await expect.poll(() => growth(b.page, inboundAudioEnergy)).toBeGreaterThan(0);

    await hold(a.page);
    await expect(a.page.getByTestId('hold-button')).toHaveAttribute('aria-pressed', 'true');
    await expect(a.page.getByTestId('hold-button')).toHaveText('保留解除');
    // The held party is told, and is not the one holding.
    await expect(b.page.getByTestId('remote-held')).toHaveText('相手が保留中です');
    await expect(status(b)).toHaveText('通話中');
    // Nothing comes back from the held party (it only receives), and it hears silence from us.
    await a.page.waitForTimeout(300);
    expect(await growth(a.page, inboundAudioPackets)).toBe(0);
    expect(await growth(b.page, inboundAudioEnergy)).toBeLessThan(1e-6);

    await a.page.getByTestId('hold-button').click();
    await expect(status(a)).toHaveText('通話中');
    await expect(a.page.getByTestId('hold-button')).toHaveAttribute('aria-pressed', 'false');
    await expect(b.page.getByTestId('remote-held')).toHaveCount(0);
    await expect.poll(() => growth(a.page, inboundAudioPackets)).toBeGreaterThan(10);
    await expect.poll(() => growth(b.page, inboundAudioEnergy)).toBeGreaterThan(0);

    await a.page.getByTestId('hangup-button').click();
    await expect(status(b)).toHaveText('待機中');
    expect(await endedRow(a, '1002')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:local' });
    expect(await endedRow(b, '1001')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'bye:remote' });
  });

  test('a hold that crosses the other side’s (491 glare) is retried, and the UI never claims it early', async ({ phoneFor }) => {
    const a = await phoneFor('1003');
    const b = await phoneFor('1004');
    await connect(a, b, '1004');
    // A's network is slow for a moment: B's hold re-INVITE reaches A late, so the two cross.
    await a.page.evaluate(() => ((window as unknown as { __sipInbound: { delayMs: number } }).__sipInbound.delayMs = 800));
    const invitesBefore = await sentSipRequests(b.page, 'INVITE');
    await b.page.getByTestId('hold-button').click();
    await expect.poll(() => sentSipRequests(b.page, 'INVITE')).toBe(invitesBefore + 1);
    await a.page.getByTestId('hold-button').click();
    await expect.poll(async () => (await receivedSip(a.page)).some((line) => line.startsWith('SIP/2.0 491'))).toBe(true);
    // Refused for now: A still says 通話中, its hold button is busy, not lit.
    await expect(status(a)).toHaveText('通話中');
    await expect(a.page.getByTestId('hold-button')).toHaveAttribute('aria-busy', 'true');
    await expect(a.page.getByTestId('hold-button')).toHaveAttribute('aria-pressed', 'false');
    await a.page.evaluate(() => ((window as unknown as { __sipInbound: { delayMs: number } }).__sipInbound.delayMs = 0));
    // Each side retries after RFC 3261's random wait; both holds take.
    await expect(status(a)).toHaveText('保留中', { timeout: 15_000 });
    await expect(status(b)).toHaveText('保留中', { timeout: 15_000 });
    expect(await sentSipRequests(a.page, 'INVITE')).toBeGreaterThanOrEqual(3);
    await a.page.getByTestId('hangup-button').click();
    await expect(status(b)).toHaveText('待機中');
  });
});

test.describe('transfer', () => {
  test('attended: hold, 転送 calls the target, it answers, 転送実行 joins caller and target; we return to 待機中', async ({ phoneFor }) => {
    const { caller, me, target } = await readyToTransfer(phoneFor, ['1005', '1006', '1007']);
    await me.page.getByTestId('transfer-button').click();
    await expect(status(me)).toHaveText('通話準備中');
    await expect(status(target)).toHaveText('着信中');
    await target.page.getByTestId('answer-button').click();
    await expect(status(me)).toHaveText('通話中');
    await expect(me.page.getByTestId('consultation-note')).toContainText('1005');
    await expect(me.page.getByTestId('line-key')).toHaveCount(2);
    // The caller waits on hold meanwhile.
    await expect(caller.page.getByTestId('remote-held')).toBeVisible();

    await me.page.getByTestId('transfer-complete-button').click();
    await expect(status(me)).toHaveText('待機中');
    await expect(me.page.getByTestId('line-key')).toHaveCount(0);
    // Caller and target now talk to each other, without the target having rung again.
    await expect(status(caller)).toHaveText('通話中');
    await expect(caller.page.getByTestId('remote-name')).toHaveText('1007');
    await expect(status(target)).toHaveText('通話中');
    await expect(target.page.getByTestId('remote-name')).toHaveText('1005');
    await expect.poll(() => growth(caller.page, inboundAudioEnergy)).toBeGreaterThan(0);
    await expect.poll(() => growth(target.page, inboundAudioEnergy)).toBeGreaterThan(0);

    // Every leg in every history, with how it ended.
    expect(await endedRow(me, '1005')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'transfer' });
    expect(await endedRow(me, '1007')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:remote' });
    expect(await endedRow(target, '1006')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'replaced' });
    expect(await endedRow(caller, '1006')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:remote' });
    await caller.page.getByTestId('hangup-button').click();
    await expect(status(target)).toHaveText('待機中');
    expect(await endedRow(caller, '1007')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:local' });
    expect(await endedRow(target, '1005')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'bye:remote' });
  });

  test('attended, abandoned: 保留 during the consultation ends it and returns to the held caller', async ({ phoneFor }) => {
    const { caller, me, target } = await readyToTransfer(phoneFor, ['1008', '1009', '1001']);
    await me.page.getByTestId('transfer-button').click();
    await target.page.getByTestId('answer-button').click();
    await expect(status(me)).toHaveText('通話中');
    await expect(me.page.getByTestId('consultation-note')).toBeVisible();

    await me.page.getByTestId('hold-button').click();
    await expect(status(target)).toHaveText('待機中');
    await expect(status(me)).toHaveText('通話中');
    await expect(me.page.getByTestId('remote-name')).toHaveText('1008');
    await expect(me.page.getByTestId('line-key')).toHaveCount(0);
    await expect(caller.page.getByTestId('remote-held')).toHaveCount(0);
    await expect.poll(() => growth(caller.page, inboundAudioEnergy)).toBeGreaterThan(0);
    await expect.poll(() => growth(me.page, inboundAudioEnergy)).toBeGreaterThan(0);

    expect(await endedRow(me, '1001')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:local' });
    expect(await endedRow(target, '1009')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'bye:remote' });
    await me.page.getByTestId('hangup-button').click();
    await expect(status(caller)).toHaveText('待機中');
    expect(await endedRow(me, '1008')).toMatchObject({ outcome: 'answered', endReason: 'bye:local' });
  });

  test('blind: the typed number is called by the caller and we leave at once', async ({ phoneFor }) => {
    const { caller, me, target } = await readyToTransfer(phoneFor, ['1002', '1003', '1004']);
    await me.page.getByTestId('blind-transfer-button').click();
    await expect(status(target)).toHaveText('着信中');
    await expect(target.page.getByTestId('remote-name')).toHaveText('1002');
    await expect(status(me)).toHaveText('待機中');
    await target.page.getByTestId('answer-button').click();
    await expect(status(caller)).toHaveText('通話中');
    await expect(caller.page.getByTestId('remote-name')).toHaveText('1004');
    await expect.poll(() => growth(target.page, inboundAudioEnergy)).toBeGreaterThan(0);

    expect(await endedRow(me, '1002')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'transfer' });
    expect(me.history()).toHaveLength(1);
    await target.page.getByTestId('hangup-button').click();
    expect(await endedRow(caller, '1004')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:remote' });
    expect(await endedRow(target, '1002')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'bye:local' });
  });

  test('a REFER to a number outside our PBX is refused, and the call goes on', async ({ phoneFor }) => {
    const { caller: a, me: b } = await readyToTransfer(phoneFor, ['1005', '1006', '1007'], 'sip:1007@elsewhere.example');
    await b.page.getByTestId('blind-transfer-button').click();
    await expect(b.page.getByTestId('action-error')).toHaveText('転送できませんでした');
    await expect(status(b)).toHaveText('保留中');
    await expect(status(a)).toHaveText('通話中');
    expect(a.history().filter((row) => row.remoteNumber.includes('1007'))).toHaveLength(0);
    await b.page.getByTestId('hangup-button').click();
    await expect(status(a)).toHaveText('待機中');
  });
});

test.describe('call waiting', () => {
  test('a second call is shown during a call; answering holds the first; the line keys switch between them', async ({ phoneFor }) => {
    const first = await phoneFor('1007');
    const me = await phoneFor('1008');
    const second = await phoneFor('1009', { label: '1009' });
    await expectRegistered(second.page);
    await connect(first, me, '1008');

    await dial(second.page, '1008');
    await expect(me.page.getByTestId('waiting-call')).toBeVisible();
    await expect(me.page.getByTestId('waiting-name')).toHaveText('1009');
    await expect(me.page.getByTestId('waiting-line')).toHaveText('着信先: 1008');
    await expect(status(me)).toHaveText('通話中');
    // The OS notification is raised for the waiting call too.
    await expect.poll(() => me.desktop.notifications.filter((n) => JSON.stringify(n.content).includes('1009')).length).toBeGreaterThan(0);

    await me.page.getByTestId('waiting-answer').click();
    await expect(status(second)).toHaveText('通話中');
    await expect(status(me)).toHaveText('通話中');
    await expect(me.page.getByTestId('remote-name')).toHaveText('1009');
    await expect(first.page.getByTestId('remote-held')).toBeVisible();
    const keys = me.page.getByTestId('line-key');
    await expect(keys).toHaveCount(2);
    await expect(keys.filter({ hasText: '1007' })).toHaveAttribute('data-hold', 'held');
    await expect.poll(() => growth(second.page, inboundAudioEnergy)).toBeGreaterThan(0);

    // Back to the first caller: the second is held, the first is heard again.
    await keys.filter({ hasText: '1007' }).click();
    await expect(me.page.getByTestId('remote-name')).toHaveText('1007');
    await expect(status(me)).toHaveText('通話中');
    await expect(keys.filter({ hasText: '1009' })).toHaveAttribute('data-hold', 'held');
    await expect(second.page.getByTestId('remote-held')).toBeVisible();
    await expect(first.page.getByTestId('remote-held')).toHaveCount(0);
    await expect.poll(() => growth(first.page, inboundAudioEnergy)).toBeGreaterThan(0);

    await me.page.getByTestId('hangup-button').click();
    await expect(status(first)).toHaveText('待機中');
    // The held second call remains, held, until the user takes it back.
    await expect(status(me)).toHaveText('保留中');
    await me.page.getByTestId('hold-button').click();
    await expect(status(me)).toHaveText('通話中');
    await me.page.getByTestId('hangup-button').click();
    await expect(status(second)).toHaveText('待機中');
    await expect(status(me)).toHaveText('待機中');
    expect(await endedRow(me, '1007')).toMatchObject({ outcome: 'answered', endReason: 'bye:local' });
    expect(await endedRow(me, '1009')).toMatchObject({ outcome: 'answered', endReason: 'bye:local' });
  });

  test('a waiting call can be rejected: the caller hears busy, the history says 拒否, the first call goes on', async ({ phoneFor }) => {
    const first = await phoneFor('1001');
    const me = await phoneFor('1002');
    const second = await phoneFor('1003');
    await expectRegistered(second.page);
    await connect(first, me, '1002');
    await dial(second.page, '1002');
    await me.page.getByTestId('waiting-reject').click();
    await expect(second.page.getByTestId('last-call')).toHaveAttribute('data-outcome', 'rejected');
    await expect(me.page.getByTestId('waiting-call')).toHaveCount(0);
    await expect(status(me)).toHaveText('通話中');
    await expect.poll(() => growth(first.page, inboundAudioEnergy)).toBeGreaterThan(0);
    expect(await endedRow(me, '1003')).toMatchObject({ direction: 'incoming', outcome: 'rejected' });
    await me.page.getByTestId('hangup-button').click();
    await expect(status(first)).toHaveText('待機中');
  });

  test('a waiting call nobody answers is 不在, and the first call is untouched', async ({ phoneFor }) => {
    const first = await phoneFor('1004');
    const me = await phoneFor('1005');
    const second = await phoneFor('1006');
    await expectRegistered(second.page);
    await connect(first, me, '1005');
    await dial(second.page, '1005');
    await expect(me.page.getByTestId('waiting-call')).toBeVisible();
    await second.page.getByTestId('hangup-button').click();
    await expect(me.page.getByTestId('waiting-call')).toHaveCount(0);
    expect(await endedRow(me, '1006')).toMatchObject({ direction: 'incoming', outcome: 'missed' });
    await expect(status(me)).toHaveText('通話中');
    await me.page.getByTestId('hangup-button').click();
  });
});

test.describe('DTMF', () => {
  test('keypad and keyboard digits go out as RFC 4733 tones during a call', async ({ phoneFor }) => {
    const a = await phoneFor('1007');
    const b = await phoneFor('1008');
    await connect(a, b, '1008');
    await a.page.evaluate(() => {
      const w = window as unknown as { __peerConnections: RTCPeerConnection[]; __tones: string[] };
      w.__tones = [];
      const sender = w.__peerConnections.at(-1)!.getSenders().find((s) => s.track?.kind === 'audio')!;
      sender.dtmf!.addEventListener('tonechange', (event) => {
        if (event.tone) w.__tones.push(event.tone);
      });
    });
    await a.page.getByTestId('key-1').click();
    await a.page.getByTestId('key-#').click();
    await a.page.keyboard.press('9');
    await expect.poll(() => a.page.evaluate(() => (window as unknown as { __tones: string[] }).__tones.join(''))).toBe('1#9');
    // Not typed into the number field, and no INFO was needed.
    await expect(a.page.getByTestId('dial-input')).toBeDisabled();
    expect((await receivedSip(b.page)).filter((line) => line.startsWith('INFO '))).toHaveLength(0);
    await a.page.getByTestId('hangup-button').click();
  });

  test('with SIP INFO chosen for the account, each digit is an INFO the far end accepts', async ({ openPhone, phoneFor, lab }) => {
    const a = await openPhone({ label: '1009', account: { user: '1009', authorizationUser: '', domain: lab.domain, wsServer: lab.wsUrl, outboundProxy: '', displayName: '', serviceCode: '', dtmfMode: 'info' }, password: 'pass1009' });
    const b = await phoneFor('1001');
    await connect(a, b, '1001');
    await a.page.getByTestId('key-5').click();
    await a.page.keyboard.press('*');
    await expect.poll(async () => (await receivedSip(b.page)).filter((line) => line.startsWith('INFO ')).map((info) => /Signal=(.)/.exec(info)?.[1]).join('')).toBe('5*');
    await expect.poll(async () => (await receivedSip(a.page)).filter((line) => line.startsWith('SIP/2.0 200')).length).toBeGreaterThan(2);
    await expect(status(a)).toHaveText('通話中');
    await a.page.getByTestId('hangup-button').click();
  });
});
