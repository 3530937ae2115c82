// デバイス設定 at run time: which microphone, speaker and ringer device the phone uses now.
//
// The saved choices (AudioSettings, kept by main) name a device by Chromium's opaque id and by
// its label. Devices come and go — a USB headset unplugged, Bluetooth out of range, a dock
// disconnected — so every choice is resolved against what enumerateDevices() lists now:
//   1. the same id;
//   2. else a device with the same label (ids can change, e.g. when the OS re-enumerates USB);
//   3. else the system default is used and a notice says which choice is missing.
// When the device is listed again the choice applies again by itself, and the notice turns into
// a short 「戻りました」.
//
// Framework-free on purpose: React reads it through useSyncExternalStore (subscribe /
// getSnapshot), and every phone engine (one per account) follows the microphone through the
// MicrophoneSource interface, switching live calls when it changes.

import type { AudioDeviceChoice, AudioSettings } from '../../src-preload/contract';
import type { MicrophoneSource } from './types';

export type AudioRole = 'microphone' | 'speaker' | 'ringer';
export const AUDIO_ROLES: readonly AudioRole[] = ['microphone', 'speaker', 'ringer'];

/** A device as the settings lists show it. */
export interface AudioDevice {
  readonly id: string;
  readonly label: string;
}

export interface DeviceNotice {
  readonly role: AudioRole;
  /** The chosen device's saved label ('' if it had none). */
  readonly label: string;
  /** 'missing': not listed, the default is in use; 'restored': listed again, in use again. */
  readonly state: 'missing' | 'restored';
}

export interface AudioRoutingSnapshot {
  /** The saved choices, as main last reported them. */
  readonly settings: AudioSettings;
  /** Microphones present now, without Chromium's 'default' entry (既定のデバイス stands for it). */
  readonly microphones: readonly AudioDevice[];
  /** Output devices present now (for the speaker and the ringer), likewise. */
  readonly outputs: readonly AudioDevice[];
  /**
   * The devices have been listed with ids and labels. False before the first listing and while
   * the page has no microphone permission (Chromium then hides ids and labels): until then no
   * choice is reported missing, because nothing can be told.
   */
  readonly labelled: boolean;
  /** The device each role uses now: a deviceId, or '' for the system default. */
  readonly effective: Readonly<Record<AudioRole, string>>;
  readonly notices: readonly DeviceNotice[];
}

type DeviceEntry = Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label'>;

/** What of `navigator.mediaDevices` the routing uses (a fake stands in for it in unit tests). */
export interface MediaDevicesLike {
  enumerateDevices(): Promise<readonly DeviceEntry[]>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

export interface AudioRoutingOptions {
  /** How long 「戻りました」 stays up after a chosen device came back, in ms (default 8 s). */
  restoredNoticeMs?: number;
}

/** Used only if main's settings could not be read at start (main always sends them). Not
 *  imported from the contract, which would pull zod into the page bundle. */
const FALLBACK_AUDIO: AudioSettings = {
  microphone: { id: '', label: '' },
  speaker: { id: '', label: '' },
  ringer: { id: '', label: '' },
  ringtone: 'classic',
  ringVolume: 80,
};

const KIND_OF: Readonly<Record<AudioRole, MediaDeviceKind>> = { microphone: 'audioinput', speaker: 'audiooutput', ringer: 'audiooutput' };

export interface Resolved {
  /** The deviceId to use, '' = the system default. */
  readonly id: string;
  /** The choice names a device that is not present (the default is used instead). */
  readonly missing: boolean;
}

/**
 * One choice against the devices of its kind. `informative` is false when the listing cannot
 * tell (not listed yet, or ids hidden for want of permission): the saved id is then used as it
 * is, and nothing is reported missing.
 */
export function resolveChoice(choice: AudioDeviceChoice, devices: readonly AudioDevice[], informative: boolean): Resolved {
  if (choice.id === '') return { id: '', missing: false };
  if (devices.some((device) => device.id === choice.id)) return { id: choice.id, missing: false };
  const sameLabel = choice.label === '' ? undefined : devices.find((device) => device.label === choice.label);
  if (sameLabel) return { id: sameLabel.id, missing: false };
  if (!informative) return { id: choice.id, missing: false };
  return { id: '', missing: true };
}

function sameChoice(a: AudioDeviceChoice | null, b: AudioDeviceChoice): boolean {
  return a !== null && a.id === b.id && a.label === b.label;
}

export class AudioRouting implements MicrophoneSource {
  readonly #devices: MediaDevicesLike | undefined;
  readonly #restoredNoticeMs: number;
  #settings: AudioSettings;
  #entries: readonly DeviceEntry[] = [];
  #listed = false;
  #started = false;
  /** Bumped per listing: an older enumerateDevices() that answers late is ignored. */
  #listing = 0;
  /** The choice each role had when it went missing, to tell 「戻りました」 from a new choice. */
  readonly #missingChoice: Record<AudioRole, AudioDeviceChoice | null> = { microphone: null, speaker: null, ringer: null };
  readonly #restored = new Map<AudioRole, ReturnType<typeof setTimeout>>();
  readonly #listeners = new Set<() => void>();
  readonly #microphoneListeners = new Set<(deviceId: string | null) => void>();
  readonly #speakerListeners = new Set<(deviceId: string) => void>();
  #snapshot: AudioRoutingSnapshot;
  #snapshotKey = '';

  constructor(devices: MediaDevicesLike | undefined, settings: AudioSettings | null, options: AudioRoutingOptions = {}) {
    this.#devices = devices;
    this.#settings = settings ?? FALLBACK_AUDIO;
    this.#restoredNoticeMs = options.restoredNoticeMs ?? 8_000;
    this.#snapshot = this.#build();
    this.#snapshotKey = JSON.stringify(this.#snapshot);
  }

  /** Starts following device changes and lists the devices. */
  start(): Promise<void> {
    if (!this.#started && this.#devices) {
      this.#started = true;
      this.#devices.addEventListener('devicechange', this.#onDeviceChange);
    }
    return this.refresh();
  }

  dispose(): void {
    if (this.#started) this.#devices?.removeEventListener('devicechange', this.#onDeviceChange);
    this.#started = false;
    for (const timer of this.#restored.values()) clearTimeout(timer);
    this.#restored.clear();
    this.#listeners.clear();
    this.#microphoneListeners.clear();
    this.#speakerListeners.clear();
  }

  /** Lists the devices again (after a devicechange, or once microphone permission was granted
   *  and labels can be read). */
  async refresh(): Promise<void> {
    if (!this.#devices) return;
    const listing = ++this.#listing;
    let entries: readonly DeviceEntry[];
    try {
      entries = await this.#devices.enumerateDevices();
    } catch {
      return;
    }
    if (listing !== this.#listing) return;
    this.#entries = entries;
    this.#listed = true;
    this.#update();
  }

  /** The saved choices changed (saved here or elsewhere; main's settings-changed event). */
  setSettings(settings: AudioSettings): void {
    this.#settings = settings;
    this.#update();
  }

  // --- React (useSyncExternalStore) ------------------------------------------------------------

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): AudioRoutingSnapshot => this.#snapshot;

  // --- Engines (MicrophoneSource) and call audio -----------------------------------------------

  get microphoneId(): string | null {
    return this.#snapshot.effective.microphone || null;
  }

  onMicrophoneChange(listener: (deviceId: string | null) => void): () => void {
    this.#microphoneListeners.add(listener);
    return () => {
      this.#microphoneListeners.delete(listener);
    };
  }

  /** The call audio's output changed ('' = the default). */
  onSpeakerChange(listener: (deviceId: string) => void): () => void {
    this.#speakerListeners.add(listener);
    return () => {
      this.#speakerListeners.delete(listener);
    };
  }

  // --- internals -------------------------------------------------------------------------------

  readonly #onDeviceChange = (): void => {
    void this.refresh();
  };

  #devicesOf(kind: MediaDeviceKind): AudioDevice[] {
    return this.#entries.filter((entry) => entry.kind === kind && entry.deviceId !== '' && entry.deviceId !== 'default').map((entry) => ({ id: entry.deviceId, label: entry.label }));
  }

  /** Without permission Chromium lists one entry per kind with an empty id: nothing to go by. */
  #informative(kind: MediaDeviceKind): boolean {
    return this.#listed && !this.#entries.some((entry) => entry.kind === kind && entry.deviceId === '');
  }

  #build(): AudioRoutingSnapshot {
    const microphones = this.#devicesOf('audioinput');
    const outputs = this.#devicesOf('audiooutput');
    const effective: Record<AudioRole, string> = { microphone: '', speaker: '', ringer: '' };
    const notices: DeviceNotice[] = [];
    for (const role of AUDIO_ROLES) {
      const choice = this.#settings[role];
      const kind = KIND_OF[role];
      const resolved = resolveChoice(choice, kind === 'audioinput' ? microphones : outputs, this.#informative(kind));
      effective[role] = resolved.id;
      if (resolved.missing) {
        this.#clearRestored(role);
        this.#missingChoice[role] = choice;
        notices.push({ role, label: choice.label, state: 'missing' });
        continue;
      }
      if (sameChoice(this.#missingChoice[role], choice)) this.#markRestored(role);
      else if (this.#missingChoice[role] !== null) this.#clearRestored(role);
      this.#missingChoice[role] = null;
      if (this.#restored.has(role)) notices.push({ role, label: choice.label, state: 'restored' });
    }
    const labelled = this.#listed && this.#entries.some((entry) => entry.deviceId !== '' && entry.label !== '');
    return { settings: this.#settings, microphones, outputs, labelled, effective, notices };
  }

  #markRestored(role: AudioRole): void {
    this.#clearRestored(role);
    this.#restored.set(
      role,
      setTimeout(() => {
        this.#restored.delete(role);
        this.#update();
      }, this.#restoredNoticeMs),
    );
  }

  #clearRestored(role: AudioRole): void {
    const timer = this.#restored.get(role);
    if (timer !== undefined) clearTimeout(timer);
    this.#restored.delete(role);
  }

  #update(): void {
    const before = this.#snapshot;
    const next = this.#build();
    const key = JSON.stringify(next);
    if (key === this.#snapshotKey) return;
    this.#snapshot = next;
    this.#snapshotKey = key;
    if (next.effective.microphone !== before.effective.microphone) {
      for (const listener of [...this.#microphoneListeners]) safely(() => listener(next.effective.microphone || null));
    }
    if (next.effective.speaker !== before.effective.speaker) {
      for (const listener of [...this.#speakerListeners]) safely(() => listener(next.effective.speaker));
    }
    for (const listener of [...this.#listeners]) safely(listener);
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    // One broken listener must not keep the others (or the calls) on a vanished device.
    console.error('audio routing listener failed', error);
  }
}
