// Lamps from the PBX, as every phone of a group sees them: a colleague's busy-lamp key lit while
// their phone rings (and directed pickup from it), park slots 1–6 lit on every phone while a call
// is parked there and cleared when it is taken back, and the voicemail-waiting lamp. Real
// Kamailio presence (dialog-info, message-summary), a real park holder behind rtpengine, three
// or more browser phones.
import type { MainServices } from '../../src-main/app/main-services';
import type { CallButtons } from '../../src-preload/contract';
import type { PhoneApp } from './harness/phone-app';
import { dial, expect, expectRegistered, growth, inboundAudioEnergy, inboundAudioPackets, test } from './fixtures';

// rtpengine bridges the browsers' WebRTC media to the park holder's plain RTP.
test.use({ labOptions: { media: true } });

const withButtons = (patch: Partial<CallButtons>) => (services: MainServices) => {
  services.settings.setCallButtons({ ...services.settings.view().callButtons, ...patch });
};
const status = (app: PhoneApp) => app.page.getByTestId('call-status');

async function endedRow(app: PhoneApp, number: string) {
  await expect.poll(() => app.history().find((row) => row.remoteNumber === number)?.outcome ?? null).not.toBeNull();
  return app.history().find((row) => row.remoteNumber === number)!;
}

test('a colleague’s ringing lights their key; pressing it picks the call up; busy while they talk', async ({ phoneFor }) => {
  const me = await phoneFor('1003', { beforeLoad: withButtons({ blf: [{ label: '佐藤', extension: '1002' }], pickup: { directedPrefix: '*8', group: '*8' } }) });
  const colleague = await phoneFor('1002');
  const caller = await phoneFor('1001');
  await Promise.all([me, colleague, caller].map((app) => expectRegistered(app.page)));
  const key = me.page.locator('[data-testid="blf-key"][data-extension="1002"]');
  await expect(key).toHaveText('佐藤');
  await expect(key).toHaveAttribute('data-lamp', 'idle');

  await dial(caller.page, '1002');
  await expect(status(colleague)).toHaveText('着信中');
  await expect(key).toHaveAttribute('data-lamp', 'ringing');

  await key.click();
  // The caller is now talking to me; the colleague's phone stops ringing. I see who I took over.
  await expect(status(me)).toHaveText('通話中');
  await expect(me.page.getByTestId('remote-name')).toHaveText('1001');
  await expect(status(caller)).toHaveText('通話中');
  await expect(caller.page.getByTestId('remote-name')).toHaveText('1003');
  await expect(status(colleague)).toHaveText('待機中');
  await expect(key).toHaveAttribute('data-lamp', 'idle');
  await expect.poll(() => growth(me.page, inboundAudioEnergy)).toBeGreaterThan(0);
  await expect.poll(() => growth(caller.page, inboundAudioEnergy)).toBeGreaterThan(0);
  // The colleague's phone knows the call was taken, not missed: no missed-call alert.
  expect(await endedRow(colleague, '1001')).toMatchObject({ direction: 'incoming', outcome: 'missed', endReason: 'elsewhere' });
  expect(colleague.desktop.notifications.filter((n) => n.content.title.includes('不在着信'))).toHaveLength(0);
  expect(await endedRow(caller, '1002')).toMatchObject({ direction: 'outgoing', outcome: 'cancelled', endReason: 'replaced' });
  await me.page.getByTestId('hangup-button').click();
  await expect(status(caller)).toHaveText('待機中');
  expect(await endedRow(caller, '1003')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'bye:remote' });

  // While the colleague talks, their lamp says busy; it goes out when they hang up.
  await dial(caller.page, '1002');
  await colleague.page.getByTestId('answer-button').click();
  await expect(status(colleague)).toHaveText('通話中');
  await expect(key).toHaveAttribute('data-lamp', 'busy');
  await colleague.page.getByTestId('hangup-button').click();
  await expect(key).toHaveAttribute('data-lamp', 'idle');
});

test('グループピックアップ takes whichever colleague’s call is ringing', async ({ phoneFor }) => {
  const me = await phoneFor('1008', { beforeLoad: withButtons({ pickup: { directedPrefix: '*8', group: '*8' } }) });
  const colleague = await phoneFor('1009');
  const caller = await phoneFor('1002');
  await Promise.all([me, colleague, caller].map((app) => expectRegistered(app.page)));
  await dial(caller.page, '1009');
  await expect(status(colleague)).toHaveText('着信中');
  await me.page.getByTestId('group-pickup').click();
  await expect(status(me)).toHaveText('通話中');
  await expect(status(caller)).toHaveText('通話中');
  await expect(status(colleague)).toHaveText('待機中');
  await expect.poll(() => growth(caller.page, inboundAudioEnergy)).toBeGreaterThan(0);
  await caller.page.getByTestId('hangup-button').click();
  await expect(status(me)).toHaveText('待機中');
});

test('park to slot 3 lights slot 3 on every phone; another phone retrieves the call and the lamp goes out', async ({ phoneFor, park }) => {
  const parked = await phoneFor('1004');
  const me = await phoneFor('1005');
  const other = await phoneFor('1006');
  await Promise.all([parked, me, other].map((app) => expectRegistered(app.page)));
  const slot = (app: PhoneApp, n: number) => app.page.getByTestId(`park-slot-${n}`);
  for (let n = 1; n <= 6; n++) await expect(slot(other, n)).toHaveAttribute('data-lamp', 'idle');

  await dial(parked.page, '1005');
  await me.page.getByTestId('answer-button').click();
  await expect(status(parked)).toHaveText('通話中');
  await slot(me, 3).click();
  // I am free again; the call waits in slot 3, lit for everyone, and the caller hears the hold tone.
  await expect(status(me)).toHaveText('待機中');
  await expect(slot(other, 3)).toHaveAttribute('data-lamp', 'busy');
  await expect(slot(me, 3)).toHaveAttribute('data-lamp', 'busy');
  for (const n of [1, 2, 4, 5, 6]) await expect(slot(other, n)).toHaveAttribute('data-lamp', 'idle');
  await expect(status(parked)).toHaveText('通話中');
  await expect.poll(() => growth(parked.page, inboundAudioPackets)).toBeGreaterThan(10);
  expect(park.occupied()).toEqual(['703']);

  // Another phone presses the lit slot: it is connected to the parked caller.
  await slot(other, 3).click();
  await expect(status(other)).toHaveText('通話中');
  await expect(slot(other, 3)).toHaveAttribute('data-lamp', 'idle');
  await expect(slot(me, 3)).toHaveAttribute('data-lamp', 'idle');
  await expect.poll(() => growth(other.page, inboundAudioEnergy)).toBeGreaterThan(0);
  await expect.poll(() => growth(parked.page, inboundAudioEnergy)).toBeGreaterThan(0);

  await other.page.getByTestId('hangup-button').click();
  await expect(status(parked)).toHaveText('待機中');
  expect(await endedRow(me, '1004')).toMatchObject({ direction: 'incoming', outcome: 'answered', endReason: 'transfer' });
  expect(await endedRow(other, '703')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:local' });
  expect(await endedRow(parked, '703')).toMatchObject({ direction: 'outgoing', outcome: 'answered', endReason: 'bye:remote' });
});

test('the voicemail lamp follows the mailbox (message-summary NOTIFY)', async ({ phoneFor, lab }) => {
  const app = await phoneFor('1007');
  await expectRegistered(app.page);
  const lamp = app.page.getByTestId('mwi-lamp');
  await expect(lamp).toHaveText('留守電なし');
  await lab.publishMessageSummary('1007', { newMessages: 2, oldMessages: 1 });
  await expect(lamp).toHaveAttribute('data-waiting', 'true');
  await expect(lamp).toHaveText('留守電あり（新着 2 件）');
  await lab.publishMessageSummary('1007', { newMessages: 0, oldMessages: 3 });
  await expect(lamp).toHaveAttribute('data-waiting', 'false');
  await expect(lamp).toHaveText('留守電なし');
});
