import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioSettings } from '../../../src-preload/contract';
import { AudioRouting, resolveChoice, type MediaDevicesLike } from '../../../src-renderer/phone/audio-devices';

type Entry = { deviceId: string; kind: MediaDeviceKind; label: string };

/** A small stand-in for navigator.mediaDevices: a device list a test changes, and devicechange. */
class FakeMediaDevices implements MediaDevicesLike {
  entries: Entry[];
  readonly listeners = new Set<() => void>();
  /** When set, enumerateDevices() waits for the test to release it (a slow OS). */
  hold: Promise<void> | null = null;
  constructor(entries: Entry[]) {
    this.entries = entries;
  }
  async enumerateDevices(): Promise<Entry[]> {
    const snapshot = this.entries.map((entry) => ({ ...entry }));
    if (this.hold) await this.hold;
    return snapshot;
  }
  addEventListener(_type: 'devicechange', listener: () => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'devicechange', listener: () => void): void {
    this.listeners.delete(listener);
  }
  /** Plug or unplug: the list changes, then Chromium fires devicechange. */
  async change(entries: Entry[]): Promise<void> {
    this.entries = entries;
    for (const listener of this.listeners) listener();
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const mic = (deviceId: string, label: string): Entry => ({ deviceId, kind: 'audioinput', label });
const out = (deviceId: string, label: string): Entry => ({ deviceId, kind: 'audiooutput', label });

const BUILT_IN_MIC = mic('mic-builtin', 'Built-in Microphone');
const HEADSET_MIC = mic('mic-headset', 'Jabra Evolve2 40 (Mic)');
const SPEAKERS = out('out-speakers', 'Built-in Speakers');
const HEADSET_OUT = out('out-headset', 'Jabra Evolve2 40 (Headphones)');
const PRESENT = [mic('default', 'Default - Built-in Microphone'), BUILT_IN_MIC, HEADSET_MIC, out('default', 'Default - Built-in Speakers'), SPEAKERS, HEADSET_OUT];

const settings = (overrides: Partial<AudioSettings> = {}): AudioSettings => ({
  microphone: { id: '', label: '' },
  speaker: { id: '', label: '' },
  ringer: { id: '', label: '' },
  ringtone: 'classic',
  ringVolume: 80,
  ...overrides,
});

/** The office set-up: calls on the headset, the ring on the PC's speakers. */
const HEADSET_SETUP = settings({
  microphone: { id: HEADSET_MIC.deviceId, label: HEADSET_MIC.label },
  speaker: { id: HEADSET_OUT.deviceId, label: HEADSET_OUT.label },
  ringer: { id: SPEAKERS.deviceId, label: SPEAKERS.label },
});

const without = (...gone: Entry[]) => PRESENT.filter((entry) => !gone.includes(entry));

let routing: AudioRouting | null = null;
async function started(devices: FakeMediaDevices, audio: AudioSettings, restoredNoticeMs = 8_000): Promise<AudioRouting> {
  routing = new AudioRouting(devices, audio, { restoredNoticeMs });
  await routing.start();
  return routing;
}

afterEach(() => {
  routing?.dispose();
  routing = null;
  vi.useRealTimers();
});

describe('resolveChoice', () => {
  const devices = [{ id: 'a', label: 'Mic A' }, { id: 'b', label: 'Mic B' }];
  it('the default is always there', () => {
    expect(resolveChoice({ id: '', label: '' }, devices, true)).toEqual({ id: '', missing: false });
  });
  it('finds the device by id, else by its label (ids can change), else reports it missing', () => {
    expect(resolveChoice({ id: 'b', label: 'Mic B' }, devices, true)).toEqual({ id: 'b', missing: false });
    expect(resolveChoice({ id: 'old-b', label: 'Mic B' }, devices, true)).toEqual({ id: 'b', missing: false });
    expect(resolveChoice({ id: 'c', label: 'Mic C' }, devices, true)).toEqual({ id: '', missing: true });
    expect(resolveChoice({ id: 'c', label: '' }, devices, true)).toEqual({ id: '', missing: true });
  });
  it('keeps the saved id when the list cannot tell (not listed yet, or no permission)', () => {
    expect(resolveChoice({ id: 'c', label: 'Mic C' }, [], false)).toEqual({ id: 'c', missing: false });
  });
});

describe('AudioRouting', () => {
  it('lists the devices without Chromium’s "default" entries, and uses the defaults when nothing is chosen', async () => {
    const r = await started(new FakeMediaDevices(PRESENT), settings());
    const snap = r.getSnapshot();
    expect(snap.microphones).toEqual([{ id: 'mic-builtin', label: 'Built-in Microphone' }, { id: 'mic-headset', label: 'Jabra Evolve2 40 (Mic)' }]);
    expect(snap.outputs.map((d) => d.id)).toEqual(['out-speakers', 'out-headset']);
    expect(snap.labelled).toBe(true);
    expect(snap.effective).toEqual({ microphone: '', speaker: '', ringer: '' });
    expect(snap.notices).toEqual([]);
    expect(r.microphoneId).toBeNull();
  });

  it('the ringer rings on the speakers while the call uses the headset', async () => {
    const r = await started(new FakeMediaDevices(PRESENT), HEADSET_SETUP);
    expect(r.getSnapshot().effective).toEqual({ microphone: 'mic-headset', speaker: 'out-headset', ringer: 'out-speakers' });
    expect(r.microphoneId).toBe('mic-headset');
  });

  it('finds a device again by its label when its id changed (re-enumerated USB)', async () => {
    const renamed = PRESENT.map((entry) => (entry === HEADSET_MIC ? mic('mic-headset-2', HEADSET_MIC.label) : entry));
    const r = await started(new FakeMediaDevices(renamed), HEADSET_SETUP);
    expect(r.getSnapshot().effective.microphone).toBe('mic-headset-2');
    expect(r.getSnapshot().notices).toEqual([]);
  });

  it('an unplugged headset: the default is used, the missing choices are named, and calls are told', async () => {
    const devices = new FakeMediaDevices(PRESENT);
    const r = await started(devices, HEADSET_SETUP);
    const microphone = vi.fn();
    const speaker = vi.fn();
    r.onMicrophoneChange(microphone);
    r.onSpeakerChange(speaker);

    await devices.change(without(HEADSET_MIC, HEADSET_OUT));

    const snap = r.getSnapshot();
    expect(snap.effective).toEqual({ microphone: '', speaker: '', ringer: 'out-speakers' });
    expect(snap.notices).toEqual([
      { role: 'microphone', label: 'Jabra Evolve2 40 (Mic)', state: 'missing' },
      { role: 'speaker', label: 'Jabra Evolve2 40 (Headphones)', state: 'missing' },
    ]);
    expect(microphone).toHaveBeenCalledExactlyOnceWith(null);
    expect(speaker).toHaveBeenCalledExactlyOnceWith('');
    expect(r.microphoneId).toBeNull();
  });

  it('plugged back in: the choice applies again and 「戻りました」 shows for a while', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const devices = new FakeMediaDevices(without(HEADSET_MIC));
    const enumerate = async () => {
      await vi.advanceTimersByTimeAsync(0);
    };
    routing = new AudioRouting(devices, HEADSET_SETUP, { restoredNoticeMs: 5_000 });
    const r = routing;
    const started_ = r.start();
    await enumerate();
    await started_;
    expect(r.getSnapshot().notices).toEqual([{ role: 'microphone', label: HEADSET_MIC.label, state: 'missing' }]);
    const microphone = vi.fn();
    r.onMicrophoneChange(microphone);

    devices.entries = PRESENT;
    for (const listener of devices.listeners) listener();
    await enumerate();

    expect(r.getSnapshot().effective.microphone).toBe('mic-headset');
    expect(microphone).toHaveBeenCalledExactlyOnceWith('mic-headset');
    expect(r.getSnapshot().notices).toEqual([{ role: 'microphone', label: HEADSET_MIC.label, state: 'restored' }]);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.getSnapshot().notices).toEqual([]);
  });

  it('choosing another device while one is missing is not 「戻りました」', async () => {
    const devices = new FakeMediaDevices(without(HEADSET_MIC));
    const r = await started(devices, HEADSET_SETUP);
    expect(r.getSnapshot().notices).toHaveLength(1);
    r.setSettings({ ...HEADSET_SETUP, microphone: { id: BUILT_IN_MIC.deviceId, label: BUILT_IN_MIC.label } });
    expect(r.getSnapshot().notices).toEqual([]);
    expect(r.getSnapshot().effective.microphone).toBe('mic-builtin');
    // The old headset coming back changes nothing now.
    await devices.change(PRESENT);
    expect(r.getSnapshot().notices).toEqual([]);
    expect(r.getSnapshot().effective.microphone).toBe('mic-builtin');
  });

  it('says nothing is missing while device names are hidden (no microphone permission yet)', async () => {
    const hidden = [mic('', ''), out('', '')];
    const devices = new FakeMediaDevices(hidden);
    const r = await started(devices, HEADSET_SETUP);
    expect(r.getSnapshot().labelled).toBe(false);
    expect(r.getSnapshot().notices).toEqual([]);
    // The saved ids are used as they are (getUserMedia falls back if one is really gone).
    expect(r.getSnapshot().effective).toEqual({ microphone: 'mic-headset', speaker: 'out-headset', ringer: 'out-speakers' });
    // Permission granted: the page lists again.
    devices.entries = PRESENT;
    await r.refresh();
    expect(r.getSnapshot().labelled).toBe(true);
  });

  it('before the first listing the saved ids are used and nothing is reported', () => {
    routing = new AudioRouting(new FakeMediaDevices(PRESENT), HEADSET_SETUP);
    expect(routing.getSnapshot().effective.microphone).toBe('mic-headset');
    expect(routing.getSnapshot().notices).toEqual([]);
  });

  it('no microphone left at all is a missing microphone', async () => {
    const devices = new FakeMediaDevices(PRESENT);
    const r = await started(devices, HEADSET_SETUP);
    await devices.change(PRESENT.filter((entry) => entry.kind !== 'audioinput'));
    expect(r.getSnapshot().notices.map((n) => [n.role, n.state])).toEqual([['microphone', 'missing']]);
  });

  it('a listing that answers late never overwrites a newer one', async () => {
    const devices = new FakeMediaDevices(PRESENT);
    const r = await started(devices, HEADSET_SETUP);
    let release!: () => void;
    devices.hold = new Promise((resolve) => (release = resolve));
    devices.entries = without(HEADSET_MIC);
    const slow = r.refresh(); // sees the headset gone, answers late
    devices.hold = null;
    devices.entries = PRESENT;
    await r.refresh(); // the headset is back
    release();
    await slow;
    expect(r.getSnapshot().notices).toEqual([]);
    expect(r.getSnapshot().effective.microphone).toBe('mic-headset');
  });

  it('React sees a new snapshot only when something changed', async () => {
    const devices = new FakeMediaDevices(PRESENT);
    const r = await started(devices, HEADSET_SETUP);
    const listener = vi.fn();
    r.subscribe(listener);
    const before = r.getSnapshot();
    await devices.change([...PRESENT]);
    expect(r.getSnapshot()).toBe(before);
    expect(listener).not.toHaveBeenCalled();
    r.setSettings({ ...HEADSET_SETUP, ringVolume: 30 });
    expect(listener).toHaveBeenCalledOnce();
    expect(r.getSnapshot().settings.ringVolume).toBe(30);
    // A volume change does not switch any call's microphone.
    const microphone = vi.fn();
    r.onMicrophoneChange(microphone);
    r.setSettings({ ...HEADSET_SETUP, ringVolume: 40 });
    expect(microphone).not.toHaveBeenCalled();
  });

  it('stops following device changes once disposed', async () => {
    const devices = new FakeMediaDevices(PRESENT);
    const r = await started(devices, HEADSET_SETUP);
    expect(devices.listeners.size).toBe(1);
    r.dispose();
    expect(devices.listeners.size).toBe(0);
  });

  it('one failing listener does not keep the others on a vanished device', async () => {
    const devices = new FakeMediaDevices(PRESENT);
    const r = await started(devices, HEADSET_SETUP);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    r.onMicrophoneChange(() => {
      throw new Error('broken');
    });
    const second = vi.fn();
    r.onMicrophoneChange(second);
    await devices.change(without(HEADSET_MIC));
    expect(second).toHaveBeenCalledWith(null);
    error.mockRestore();
  });
});
