// Fault test on real parts: Kamailio killed (SIGKILL) or stopped (SIGTERM) and started again,
// 50 times, while two phones sit idle. Every time, both must be registered again within 5 s of
// the server being back, and a call placed right after must ring. The distribution is printed.
import { startKamailio } from '../lab/kamailio';
import { dial, expect, expectRegistered, labAccount, test } from './fixtures';

const CYCLES = Number(process.env.FAULT_CYCLES ?? 50);

test('50 server restarts while idle: registered again within 5 s each time, and the next call rings', async ({ openPhone }) => {
  test.setTimeout(CYCLES * 8_000 + 30_000);
  const lab = await startKamailio({ users: [{ user: '1001', password: 'pass1001' }, { user: '1002', password: 'pass1002' }] });
  try {
    const me = await openPhone({ label: 'me', account: labAccount(lab, '1001'), password: 'pass1001' });
    const caller = await openPhone({ label: 'caller', account: labAccount(lab, '1002'), password: 'pass1002' });
    await expectRegistered(me.page);
    await expectRegistered(caller.page);
    const recovery: number[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      if (cycle % 2 === 0) await lab.kill();
      else await lab.stop();
      await expect(me.page.getByTestId('registration-label')).toHaveText('再接続中');
      await lab.start();
      const back = Date.now();
      await expectRegistered(me.page);
      await expectRegistered(caller.page);
      recovery.push(Date.now() - back);
      await dial(caller.page, '1001');
      await expect(me.page.getByTestId('call-status')).toHaveText('着信中');
      await caller.page.getByTestId('hangup-button').click();
      await expect(me.page.getByTestId('call-status')).toHaveText('待機中');
      await expect(caller.page.getByTestId('call-status')).toHaveText('待機中');
    }
    const sorted = [...recovery].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    console.log(JSON.stringify({ 'server back → both phones registered (ms)': { n: sorted.length, min: sorted[0], p50: at(50), p95: at(95), max: sorted.at(-1) } }));
    expect(Math.max(...recovery)).toBeLessThan(5_000);
    // Every cycle's call is in the history, ended cleanly (the caller cancelled it).
    expect(me.history().filter((row) => row.outcome === 'missed')).toHaveLength(CYCLES);
  } finally {
    await lab.dispose();
  }
});
