import type { AudioSettings } from '../../src-preload/contract';

export type Ringtone = AudioSettings['ringtone'];

/** The ringtones of デバイス設定, in the settings list's order (the contract's RINGTONES; not
 *  imported from it, which would pull zod into the page bundle — `satisfies` keeps them equal). */
export const RINGTONE_IDS = ['classic', 'soft', 'digital'] as const satisfies readonly Ringtone[];

interface Pattern {
  /** Seconds from one ring to the next while ringing. */
  readonly period: number;
  /** Seconds one ring lasts (playOnce resolves after it). */
  readonly length: number;
  /** Schedules one ring at `t0` into `out`. */
  play(ctx: BaseAudioContext, out: AudioNode, t0: number): void;
}

/** One tone with a short attack and release (no clicks), `peak` relative to the ring volume. */
function tone(ctx: BaseAudioContext, out: AudioNode, options: { type: OscillatorType; frequency: number; start: number; length: number; peak: number; decay?: boolean }): void {
  const osc = ctx.createOscillator();
  const env = ctx.createGain();
  osc.type = options.type;
  osc.frequency.value = options.frequency;
  const { start, length, peak } = options;
  env.gain.setValueAtTime(0, start);
  env.gain.linearRampToValueAtTime(peak, start + 0.01);
  if (options.decay) {
    env.gain.exponentialRampToValueAtTime(0.001, start + length);
  } else {
    env.gain.setValueAtTime(peak, start + length - 0.02);
    env.gain.linearRampToValueAtTime(0, start + length);
  }
  osc.connect(env).connect(out);
  osc.start(start);
  osc.stop(start + length + 0.01);
}

/**
 * Made with Web Audio: no audio file to ship or to fail loading.
 *   classic — the familiar double ring of a Japanese business phone (two short bursts, a pause);
 *   soft    — a two-note chime that fades, for a quiet office;
 *   digital — a fast electronic warble, hard to miss.
 */
const PATTERNS: Readonly<Record<Ringtone, Pattern>> = {
  classic: {
    period: 3,
    length: 0.8,
    play(ctx, out, t0) {
      for (const offset of [0, 0.45]) tone(ctx, out, { type: 'sine', frequency: 1300, start: t0 + offset, length: 0.35, peak: 1 });
    },
  },
  soft: {
    period: 4,
    length: 1.6,
    play(ctx, out, t0) {
      tone(ctx, out, { type: 'sine', frequency: 880, start: t0, length: 0.9, peak: 1, decay: true });
      tone(ctx, out, { type: 'sine', frequency: 659.25, start: t0 + 0.45, length: 1.1, peak: 0.9, decay: true });
    },
  },
  digital: {
    period: 3,
    length: 1.2,
    play(ctx, out, t0) {
      // 16 alternating blips a second, square wave (quieter: it is perceived louder).
      for (let i = 0; i < 20; i++) tone(ctx, out, { type: 'square', frequency: i % 2 === 0 ? 1000 : 1400, start: t0 + i * 0.06, length: 0.055, peak: 0.45 });
    },
  },
};

/** Ring volume 0–100 % as a gain: squared (the ear hears loudness roughly so), 80 % ≈ the old ring. */
export function ringGain(volume: number): number {
  const v = Math.min(100, Math.max(0, volume)) / 100;
  return 0.16 * v * v;
}

/** AudioContext.setSinkId (Chromium 110+) is not in TypeScript's DOM types yet. */
interface SinkableAudioContext extends AudioContext {
  setSinkId?(sinkId: string): Promise<void>;
  readonly sinkId?: string | { type: 'none' };
}

export interface RingerOptions {
  ringtone: Ringtone;
  /** 0–100 %. */
  volume: number;
  /** Output device (a deviceId; '' = the system default). */
  sinkId: string;
}

/**
 * The ring, on its own output device: an office PC rings on its speakers while calls use the
 * headset. The device is set on the AudioContext itself where Chromium has
 * AudioContext.setSinkId; elsewhere the sound goes through a MediaStream destination into an
 * audio element, whose setSinkId every Chromium has.
 */
export class Ringer {
  #options: RingerOptions;
  #context: SinkableAudioContext | null = null;
  #master: GainNode | null = null;
  /** The fallback path: the element playing the context's output on the chosen device. */
  #element: HTMLAudioElement | null = null;
  #streamOut: MediaStreamAudioDestinationNode | null = null;
  /** The sink being applied: rings wait for it, so the first ring is on the right device. */
  #sinkReady: Promise<void> = Promise.resolve();
  #appliedSink: string | null = null;
  #timer: number | null = null;
  #ringing = false;

  constructor(options: Partial<RingerOptions> = {}) {
    this.#options = { ringtone: 'classic', volume: 80, sinkId: '', ...options };
  }

  get options(): Readonly<RingerOptions> {
    return this.#options;
  }

  /** New ringtone, volume or device; a ring already going on follows at its next ring. */
  configure(options: Partial<RingerOptions>): void {
    this.#options = { ...this.#options, ...options };
    if (this.#master && this.#context) this.#master.gain.setValueAtTime(ringGain(this.#options.volume), this.#context.currentTime);
    if (this.#context) this.#applySink();
  }

  start(): void {
    if (this.#ringing) return;
    this.#ringing = true;
    // The first ring waits for the device; then one every period of the ringtone.
    const schedule = () => {
      if (!this.#ringing) return;
      void this.#ring(true);
      this.#timer = window.setTimeout(schedule, PATTERNS[this.#options.ringtone].period * 1000);
    };
    schedule();
  }

  stop(): void {
    this.#ringing = false;
    if (this.#timer !== null) window.clearTimeout(this.#timer);
    this.#timer = null;
    // Cut a ring that is sounding now: an answered call must not keep chirping.
    if (this.#master && this.#context) {
      this.#master.disconnect();
      this.#master = null;
    }
  }

  /** The テスト button: the chosen ringtone once, on the ringer device; resolves when it ends. */
  async playOnce(): Promise<void> {
    const length = await this.#ring(false);
    await new Promise((resolve) => window.setTimeout(resolve, length * 1000));
  }

  dispose(): void {
    this.stop();
    void this.#context?.close().catch(() => undefined);
    this.#context = null;
    if (this.#element) {
      this.#element.pause();
      this.#element.srcObject = null;
    }
    this.#element = null;
    this.#streamOut = null;
    this.#appliedSink = null;
  }

  /** Schedules one ring; returns its length in seconds. */
  async #ring(onlyWhileRinging: boolean): Promise<number> {
    const pattern = PATTERNS[this.#options.ringtone];
    const ctx = this.#ensureContext();
    await this.#sinkReady;
    // Answered (or disposed) while the device was being set: no late ring.
    if (ctx !== this.#context || (onlyWhileRinging && !this.#ringing)) return 0;
    // A context made without a user gesture may start suspended.
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
    if (this.#options.volume <= 0) return pattern.length;
    pattern.play(ctx, this.#masterGain(ctx), ctx.currentTime + 0.02);
    return pattern.length;
  }

  #ensureContext(): SinkableAudioContext {
    if (this.#context) return this.#context;
    const ctx: SinkableAudioContext = new AudioContext();
    this.#context = ctx;
    this.#applySink();
    return ctx;
  }

  #masterGain(ctx: SinkableAudioContext): GainNode {
    if (this.#master) return this.#master;
    const master = ctx.createGain();
    master.gain.value = ringGain(this.#options.volume);
    master.connect(this.#output(ctx));
    this.#master = master;
    return master;
  }

  /** Where the ring goes: the context's own output, or (no AudioContext.setSinkId) an element. */
  #output(ctx: SinkableAudioContext): AudioNode {
    if (typeof ctx.setSinkId === 'function') return ctx.destination;
    if (this.#streamOut === null) {
      this.#streamOut = ctx.createMediaStreamDestination();
      this.#element ??= new Audio();
      this.#element.srcObject = this.#streamOut.stream;
    }
    void this.#element?.play().catch(() => undefined);
    return this.#streamOut;
  }

  #applySink(): void {
    const ctx = this.#context;
    const sinkId = this.#options.sinkId;
    if (ctx === null || sinkId === this.#appliedSink) return;
    this.#appliedSink = sinkId;
    const apply = async (): Promise<void> => {
      try {
        if (typeof ctx.setSinkId === 'function') {
          await ctx.setSinkId(sinkId);
        } else {
          this.#element ??= new Audio();
          if (typeof this.#element.setSinkId === 'function') await this.#element.setSinkId(sinkId);
        }
      } catch {
        // The device went away meanwhile: the routing falls back to the default and tells us.
        this.#appliedSink = null;
      }
    };
    this.#sinkReady = this.#sinkReady.then(apply);
  }
}
