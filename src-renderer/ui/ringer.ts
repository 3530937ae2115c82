/**
 * A ring tone made with Web Audio: no audio file to ship or to fail loading, and the same
 * familiar double ring as a Japanese business phone (two short bursts, then a pause).
 */
export class Ringer {
  private context: AudioContext | null = null;
  private timer: number | null = null;

  start(): void {
    if (this.timer !== null) return;
    this.context ??= new AudioContext();
    const ringOnce = () => {
      const ctx = this.context;
      if (!ctx) return;
      for (const offset of [0, 0.45]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = 1300;
        gain.gain.value = 0.08;
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + offset);
        osc.stop(ctx.currentTime + offset + 0.35);
      }
    };
    ringOnce();
    this.timer = window.setInterval(ringOnce, 3000);
  }

  stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.stop();
    void this.context?.close();
    this.context = null;
  }
}
