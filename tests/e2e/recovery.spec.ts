// Never miss a call: the phone finds its way back by itself after the server goes away, hangs,
// or the machine wakes from sleep — and says what it is doing meanwhile (再接続中 and why). Each
// test has its own Kamailio, since it stops it.
import { startKamailio, type KamailioLab } from '../lab/kamailio';
import type { PhoneApp } from './harness/phone-app';
import { dial, expect, expectRegistered, labAccount, test } from './fixtures';

const lamp = (app: PhoneApp) => app.page.getByTestId('registration-lamp');
const label = (app: PhoneApp) => app.page.getByTestId('registration-label');
const detail = (app: PhoneApp) => app.page.getByTestId('registration-detail');

let lab: KamailioLab;
test.beforeEach(async () => {
  lab = await startKamailio();
});
test.afterEach(async () => {
  lab.thaw();
  await lab.dispose();
});

test('the server restarts: 再接続中 with the reason, registered again, and the next call rings', async ({ openPhone }) => {
  const open = (user: string) => openPhone({ label: user, account: labAccount(lab, user), password: `pass${user}` });
  const me = await open('1001');
  const caller = await open('1002');
  await expectRegistered(me.page);
  await expectRegistered(caller.page);

  await lab.stop();
  await expect(lamp(me)).toHaveAttribute('data-state', 'busy');
  await expect(label(me)).toHaveText('再接続中');
  await expect(detail(me)).toContainText('接続が切れました');
  // The tray says it too.
  await expect.poll(() => me.desktop.trays.at(-1)?.tooltip ?? '').toContain('サーバーに接続できません');

  await lab.start();
  const back = Date.now();
  await expectRegistered(me.page);
  await expectRegistered(caller.page);
  expect(Date.now() - back).toBeLessThan(5_000);
  await dial(caller.page, '1001');
  await expect(me.page.getByTestId('call-status')).toHaveText('着信中');
  await caller.page.getByTestId('hangup-button').click();
  await expect(me.page.getByTestId('call-status')).toHaveText('待機中');
});

test('a server that hangs with the socket open is noticed by the keepalive, and the phone comes back', async ({ openPhone }) => {
  const me = await openPhone({ label: '1003', account: labAccount(lab, '1003', { keepaliveSec: 1 }), password: 'pass1003' });
  await expectRegistered(me.page);
  lab.freeze();
  const frozen = Date.now();
  // One keepalive interval plus its answer timeout (8 s), with room for a slow machine.
  await expect(label(me)).toHaveText('再接続中', { timeout: 15_000 });
  await expect(detail(me)).toContainText('接続が切れました');
  expect(Date.now() - frozen).toBeLessThan(12_000);
  lab.thaw();
  await expectRegistered(me.page);
});

test('waking from sleep retries at once instead of sitting out the backoff', async ({ openPhone }) => {
  const me = await openPhone({ label: '1004', account: labAccount(lab, '1004'), password: 'pass1004' });
  await expectRegistered(me.page);
  await lab.stop();
  // Let the backoff grow until the next try is several seconds away; the lamp counts down.
  await expect(detail(me)).toContainText(/[4-9]秒後に再試行|[1-9]\d秒後に再試行/, { timeout: 20_000 });
  await lab.start();
  const woke = Date.now();
  me.services.systemResumed('resume');
  await expectRegistered(me.page);
  expect(Date.now() - woke).toBeLessThan(2_500);
});
