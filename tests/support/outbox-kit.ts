// TEST ONLY — shared by the outbox tests (history upload, CTI webhooks): a fake clock with fake
// timers (their backoff is minutes long), a port with nothing listening, and a recording logger.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src-main/support/log';

export function fakeTime(start: number) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    clock: { now: () => now },
    setTimer: (fn: () => void, ms: number) => {
      seq += 1;
      timers.set(seq, { at: now + ms, fn });
      return seq;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    /** Moves the clock on, firing every timer that falls due (in order). */
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = until;
    },
    /** ms until the earliest timer, or null. */
    nextTimerIn(): number | null {
      const ats = [...timers.values()].map((t) => t.at);
      return ats.length ? Math.min(...ats) - now : null;
    },
    pendingTimers: () => timers.size,
  };
}

/** A loopback port with nothing listening on it (the receiver is "down"). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m, e) => lines.push(`error ${m} ${e instanceof Error ? e.message : ''}`),
  };
}
