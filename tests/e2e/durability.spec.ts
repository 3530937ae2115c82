// What keeps a desk phone dependable: the registration is refreshed before it expires, the
// microphone is captured with echo cancellation, and a crash mid-call never loses the call.
import { startKamailio } from '../lab/kamailio';
import { openPhoneApp } from './harness/phone-app';
import { dial, expect, expectRegistered, labAccount, sentSipRequests, test } from './fixtures';

test('the registration is refreshed before it expires', async ({ openPhone, lab }) => {
  // Keepalive off: with a fake clock, 590 s of its timers fire in an instant, and the 8 s answer
  // deadline of a keepalive would run out before the real answer could arrive.
  const { page } = await openPhone({ label: '1001', fakeClock: true, account: labAccount(lab, '1001', { keepaliveSec: 0 }), password: 'pass1001' });
  await expectRegistered(page);
  const initial = await sentSipRequests(page, 'REGISTER');
  expect(initial).toBeGreaterThanOrEqual(1);

  // The app asks for 600 s. Skip to 10 s before expiry: a refresh must already have gone out
  // and been accepted, and the phone must still be 通話可能 with its contact at the server.
  await page.clock.runFor(590_000);
  await expect.poll(() => sentSipRequests(page, 'REGISTER')).toBeGreaterThan(initial);
  await expectRegistered(page);
  await expect.poll(() => lab.lookup('1001')).toHaveLength(1);
});

test('the microphone is captured with echo cancellation, noise suppression and auto gain', async ({ phoneFor }) => {
  const a = await phoneFor('1002');
  const b = await phoneFor('1003');
  await expectRegistered(a.page);
  await expectRegistered(b.page);
  await dial(a.page, '1003');
  await b.page.getByTestId('answer-button').click();
  await expect(a.page.getByTestId('call-status')).toHaveText('通話中');
  for (const page of [a.page, b.page]) {
    const settings = await page.evaluate(() => {
      const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
      const track = pcs.flatMap((pc) => pc.getSenders()).find((s) => s.track?.kind === 'audio')?.track;
      const videoSenders = pcs.flatMap((pc) => pc.getSenders()).filter((s) => s.track?.kind === 'video').length;
      return { ...track?.getSettings(), videoSenders };
    });
    expect(settings).toMatchObject({ echoCancellation: true, noiseSuppression: true, autoGainControl: true, videoSenders: 0 });
  }
  await a.page.getByTestId('hangup-button').click();
  await expect(b.page.getByTestId('call-status')).toHaveText('待機中');
});

test('a crash mid-call leaves a row that the next start marks interrupted, never a lost call', async ({ browser }) => {
  const lab = await startKamailio();
  try {
    const callee = await openPhoneApp(browser, { label: 'crashing', account: labAccount(lab, '1005'), password: 'pass1005' });
    const caller = await openPhoneApp(browser, { label: 'caller', account: labAccount(lab, '1006'), password: 'pass1006' });
    await expectRegistered(callee.page);
    await expectRegistered(caller.page);
    await dial(caller.page, '1005');
    await callee.page.getByTestId('answer-button').click();
    await expect(callee.page.getByTestId('call-status')).toHaveText('通話中');
    await expect.poll(() => callee.history()[0]?.answeredAt ?? null).not.toBeNull();
    expect(callee.history()[0]?.outcome).toBeNull();

    // The main process dies mid-call (crash, power loss): its database goes away first, so the
    // end of the call that the renderer reports afterwards never reaches it.
    callee.services.close();
    await callee.close({ keepData: true });
    await caller.close();

    const restarted = await openPhoneApp(browser, { label: 'restarted', userDataDir: callee.userDataDir });
    try {
      const rows = restarted.history();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ direction: 'incoming', remoteNumber: '1006', outcome: 'interrupted', endReason: 'app-stopped' });
      await restarted.page.getByTestId('tab-history').click();
      await expect(restarted.page.getByTestId('history-row')).toContainText('中断');
    } finally {
      await restarted.close();
    }
  } finally {
    await lab.dispose();
  }
});
