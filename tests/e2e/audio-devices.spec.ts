// デバイス設定 end to end, in real Chromium with its fake devices (--use-fake-device-for-media-
// stream: "Fake Audio Input 1/2", "Fake Audio Output 1/2", and a microphone that beeps), calls
// between two browser phones through the lab's Kamailio. It checks what a user notices: the
// lists, the saved choice, the level meter, the test sound, the ring on its own device, and a
// headset unplugged and plugged back in during a call.
//
// The one stand-in: Chromium's fake devices cannot be unplugged. For the removal and the return
// only, the test hides a device from navigator.mediaDevices.enumerateDevices() and fires
// `devicechange`, which is what Chromium does when a device goes; everything else (getUserMedia
// on the device ids, replaceTrack, setSinkId, Web Audio) is the real browser.
import type { Page } from '@playwright/test';
import type { PhoneApp } from './harness/phone-app';
import { connect, dial, expect, expectRegistered, growth, inboundAudioPackets, sentSipRequests, test } from './fixtures';

const status = (app: PhoneApp) => app.page.getByTestId('call-status');

async function openAudioSettings(page: Page): Promise<void> {
  await page.getByTestId('tab-settings').click();
  await expect(page.getByTestId('audio-settings')).toBeVisible();
  // Listed once the page may read device names (the level meter asks for the microphone).
  await expect(page.getByTestId('audio-microphone').locator('option')).toHaveCount(3);
}

/** Chooses `label` in one of the device lists; returns its device id. */
async function choose(page: Page, testId: 'audio-microphone' | 'audio-speaker' | 'audio-ringer', label: string): Promise<string> {
  await page.getByTestId(testId).selectOption({ label });
  await expect(page.getByTestId('audio-status')).toHaveText('デバイス設定を保存しました');
  return page.getByTestId(testId).inputValue();
}

/** The device id of the microphone track our live call sends (the harness keeps every
 *  RTCPeerConnection the page made). With `keep`, the track is kept aside for keptTrackState. */
function sentMicrophone(page: Page, keep = false): Promise<string | null> {
  return page.evaluate((keepIt) => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState !== 'closed');
    const track = pcs.flatMap((pc) => pc.getSenders()).find((sender) => sender.track?.kind === 'audio')?.track ?? null;
    if (keepIt) (window as unknown as { __keptTrack: MediaStreamTrack | null }).__keptTrack = track;
    return track?.getSettings().deviceId ?? null;
  }, keep);
}
/** 'ended' once the kept track was stopped: the microphone it held is released. */
const sentTrackEnabled = (page: Page) =>
  page.evaluate(() => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState !== 'closed');
    return pcs.flatMap((pc) => pc.getSenders()).find((sender) => sender.track?.kind === 'audio')?.track?.enabled ?? null;
  });
const keptTrackState = (page: Page) => page.evaluate(() => (window as unknown as { __keptTrack: MediaStreamTrack | null }).__keptTrack?.readyState ?? null);

/** Test instrumentation: where every Web Audio tone is played (the sinkId of its AudioContext,
 *  '' = the default device), so the test can tell which device rang. */
async function recordTones(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: string[] = [];
    Object.defineProperty(window, '__tones', { value: log, configurable: true });
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
      const sink = (this.context as AudioContext & { sinkId?: string | object }).sinkId;
      log.push(typeof sink === 'string' ? sink : 'none');
      return start.apply(this, args);
    };
  });
}
const tones = (page: Page) => page.evaluate(() => [...(window as unknown as { __tones: string[] }).__tones]);

/** Hot-plug stand-in (see the top of this file): the device with `label` disappears from the
 *  listing and Chromium's devicechange fires; `plugBackIn` undoes it. */
async function unplug(page: Page, label: string): Promise<void> {
  await page.evaluate((gone) => {
    const devices = navigator.mediaDevices;
    const real = MediaDevices.prototype.enumerateDevices;
    Object.defineProperty(devices, 'enumerateDevices', {
      configurable: true,
      value: async () => (await real.call(devices)).filter((device) => device.label !== gone),
    });
    devices.dispatchEvent(new Event('devicechange'));
  }, label);
}
async function plugBackIn(page: Page): Promise<void> {
  await page.evaluate(() => {
    delete (navigator.mediaDevices as Partial<MediaDevices>).enumerateDevices;
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
  });
}


test.describe('デバイス設定', () => {
  test('lists the devices, saves each choice in main (kept after a restart), meters the microphone and plays the test sound', async ({ phoneFor }) => {
    const app = await phoneFor('1001');
    const { page } = app;
    // Test instrumentation: every microphone track the page opens, to see the meter let go of it.
    await page.evaluate(() => {
      const opened: MediaStreamTrack[] = [];
      Object.defineProperty(window, '__openedTracks', { value: opened });
      const real = MediaDevices.prototype.getUserMedia;
      MediaDevices.prototype.getUserMedia = async function (this: MediaDevices, constraints?: MediaStreamConstraints) {
        const stream = await real.call(this, constraints);
        opened.push(...stream.getTracks());
        return stream;
      };
    });
    const liveTracks = () => page.evaluate(() => (window as unknown as { __openedTracks: MediaStreamTrack[] }).__openedTracks.filter((t) => t.readyState === 'live').length);
    await openAudioSettings(page);

    // 既定のデバイス first, then the devices by name (Chromium's own "default" entry is 既定).
    await expect(page.getByTestId('audio-microphone').locator('option')).toHaveText(['既定のデバイス', 'Fake Audio Input 1', 'Fake Audio Input 2']);
    await expect(page.getByTestId('audio-speaker').locator('option')).toHaveText(['既定のデバイス', 'Fake Audio Output 1', 'Fake Audio Output 2']);
    await expect(page.getByTestId('audio-ringer').locator('option')).toHaveText(['既定のデバイス', 'Fake Audio Output 1', 'Fake Audio Output 2']);
    await expect(page.getByTestId('audio-ringtone').locator('option')).toHaveText(['標準（ダブルベル）', 'ソフト（チャイム）', 'デジタル']);

    // The fake microphone beeps: the meter moves.
    await expect.poll(async () => Number(await page.getByTestId('audio-level').getAttribute('data-level')), { timeout: 5_000 }).toBeGreaterThan(0);

    const micId = await choose(page, 'audio-microphone', 'Fake Audio Input 2');
    const speakerId = await choose(page, 'audio-speaker', 'Fake Audio Output 1');
    const ringerId = await choose(page, 'audio-ringer', 'Fake Audio Output 2');
    expect(new Set([micId, speakerId, ringerId, '', 'default']).size).toBe(5);
    await page.getByTestId('audio-ringtone').selectOption('digital');
    await page.getByTestId('audio-volume').fill('35');
    await expect(page.getByTestId('audio-volume-value')).toHaveText('35%');
    await expect.poll(() => app.services.settings.view().audio).toEqual({
      microphone: { id: micId, label: 'Fake Audio Input 2' },
      speaker: { id: speakerId, label: 'Fake Audio Output 1' },
      ringer: { id: ringerId, label: 'Fake Audio Output 2' },
      ringtone: 'digital',
      ringVolume: 35,
    });

    // テスト: the chosen ringtone once, on the ringer device (not the call speaker).
    await recordTones(page);
    await page.getByTestId('audio-test').click();
    await expect(page.getByTestId('audio-test')).toHaveAttribute('data-playing', 'true');
    await expect(page.getByTestId('audio-test')).toHaveAttribute('data-playing', 'false');
    const played = await tones(page);
    expect(played.length).toBeGreaterThan(10); // digital: a fast warble of short tones
    expect(new Set(played)).toEqual(new Set([ringerId]));

    // The meter holds the microphone only while the section is shown.
    expect(await liveTracks()).toBeGreaterThan(0);
    await page.getByTestId('tab-phone').click();
    await expect.poll(liveTracks).toBe(0);

    // A restart (reload) comes back with the same choices, from main's settings file.
    await page.reload();
    await openAudioSettings(page);
    await expect(page.getByTestId('audio-microphone')).toHaveValue(micId);
    await expect(page.getByTestId('audio-speaker')).toHaveValue(speakerId);
    await expect(page.getByTestId('audio-ringer')).toHaveValue(ringerId);
    await expect(page.getByTestId('audio-ringtone')).toHaveValue('digital');
    await expect(page.getByTestId('audio-volume')).toHaveValue('35');
    await expect(page.getByTestId('audio-notice')).toHaveCount(0);
  });

  test('the ring plays on its own device while the call audio uses the speaker', async ({ phoneFor }) => {
    const caller = await phoneFor('1003');
    const callee = await phoneFor('1004');
    await openAudioSettings(callee.page);
    const speakerId = await choose(callee.page, 'audio-speaker', 'Fake Audio Output 1');
    const ringerId = await choose(callee.page, 'audio-ringer', 'Fake Audio Output 2');
    await callee.page.getByTestId('tab-phone').click();
    await recordTones(callee.page);

    await expectRegistered(caller.page);
    await expectRegistered(callee.page);
    await dial(caller.page, '1004');
    await expect(status(callee)).toHaveText('着信中');
    await expect.poll(() => tones(callee.page)).toContain(ringerId);
    expect(new Set(await tones(callee.page))).toEqual(new Set([ringerId]));

    await callee.page.getByTestId('answer-button').click();
    await expect(status(callee)).toHaveText('通話中');
    const remoteAudio = callee.page.getByTestId('remote-audio');
    await expect.poll(() => remoteAudio.evaluate((element: HTMLAudioElement) => element.sinkId)).toBe(speakerId);
    expect(speakerId).not.toBe(ringerId);
    // Answered: the ring stops.
    const rung = (await tones(callee.page)).length;
    await callee.page.waitForTimeout(3_500);
    expect((await tones(callee.page)).length).toBe(rung);
    await caller.page.getByTestId('hangup-button').click();
    await expect(status(callee)).toHaveText('待機中');
  });

  test('a microphone unplugged mid-call: the notice shows, the call switches to the default without a re-INVITE, and back when it returns', async ({ phoneFor }) => {
    const me = await phoneFor('1005');
    const other = await phoneFor('1006');
    const { page } = me;
    await openAudioSettings(page);
    const micId = await choose(page, 'audio-microphone', 'Fake Audio Input 1');
    await page.getByTestId('tab-phone').click();

    await connect(me, other, '1006');
    await expect.poll(() => sentMicrophone(page)).toBe(micId);
    await sentMicrophone(page, true);
    const invites = await sentSipRequests(page, 'INVITE');

    // The headset is pulled out.
    await unplug(page, 'Fake Audio Input 1');
    await expect(page.getByTestId('device-notice')).toHaveText('選択したマイク（Fake Audio Input 1）が見つからないため、既定のデバイスを使用しています');
    // The call now sends from the default microphone, and the old track was stopped.
    await expect.poll(() => sentMicrophone(page)).toBe('default');
    expect(await keptTrackState(page)).toBe('ended');
    await sentMicrophone(page, true);
    await expect(status(me)).toHaveText('通話中');
    await expect(status(other)).toHaveText('通話中');
    expect(await sentSipRequests(page, 'INVITE')).toBe(invites);
    await expect.poll(() => growth(other.page, inboundAudioPackets)).toBeGreaterThan(10);
    // Settings says so too, and keeps the choice.
    await page.getByTestId('tab-settings').click();
    await expect(page.getByTestId('audio-notice')).toContainText('選択したマイク（Fake Audio Input 1）が見つからない');
    await expect(page.getByTestId('audio-microphone')).toHaveValue(micId);
    await page.getByTestId('tab-phone').click();

    // Plugged back in while muted: the call goes back to it, still muted, and the notice says so.
    await page.getByTestId('mute-button').click();
    await expect.poll(() => sentTrackEnabled(page)).toBe(false);
    await plugBackIn(page);
    await expect.poll(() => sentMicrophone(page)).toBe(micId);
    expect(await keptTrackState(page)).toBe('ended');
    expect(await sentTrackEnabled(page)).toBe(false);
    await page.getByTestId('mute-button').click();
    await expect.poll(() => sentTrackEnabled(page)).toBe(true);
    await expect(page.getByTestId('device-notice')).toHaveText('選択したマイク（Fake Audio Input 1）が戻りました');
    await expect(page.getByTestId('device-notice')).not.toContainText('見つからない');
    await expect(status(other)).toHaveText('通話中');
    expect(await sentSipRequests(page, 'INVITE')).toBe(invites);
    await expect.poll(() => growth(other.page, inboundAudioPackets)).toBeGreaterThan(10);
    // The 「戻りました」 note goes away by itself.
    await expect(page.getByTestId('device-notice')).toHaveCount(0, { timeout: 15_000 });

    await page.getByTestId('hangup-button').click();
    await expect(status(other)).toHaveText('待機中');
  });
});
