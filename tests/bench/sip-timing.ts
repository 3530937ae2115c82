// Timing helpers for the call figures of `npm run bench` (run.ts): page-side SIP timestamps,
// DOM moments, the main-side notification request, heap after GC, and the small static server
// for the sip.js SimpleUser baseline page. Bench-only instrumentation: nothing here changes
// what the product does, it only records when things happen.
import { buildSync } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { PhoneApp } from '../e2e/harness/phone-app';

export function summary(values: readonly number[], digits = 1) {
  if (values.length === 0) return { n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const fix = (v: number) => +v.toFixed(digits);
  const pick = (p: number) => fix(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
  return { n: sorted.length, min: fix(sorted[0]!), p50: pick(50), p95: pick(95), max: fix(sorted.at(-1)!) };
}

/** Wall clock in this (Node) process, high resolution: same base as a page's
 *  performance.timeOrigin + performance.now() on the same machine. */
export const nodeWallClock = (): number => performance.timeOrigin + performance.now();

/**
 * Init script (plain source: tsx would wrap named functions in a `__name` helper the page lacks).
 * Subclasses WebSocket so every socket gets, before any listener of the page, a native 'message'
 * listener that records the MessageEvent's timeStamp (when the renderer created the event for
 * the received frame, page clock) and a send() that records performance.now() before the frame
 * goes out. Only the first line, Call-ID and whether a request is out of dialog (no To tag) are
 * kept, in bounded ring buffers, so a long run does not grow the heap it measures.
 */
export const SIP_TIMING_INIT_SCRIPT = `(() => {
  const Native = window.WebSocket;
  const CAP = 128;
  const log = { sent: [], received: [] };
  const push = (list, entry) => { list.push(entry); if (list.length > CAP) list.splice(0, list.length - CAP); };
  const describe = (data) => {
    if (typeof data !== 'string') return null;
    const end = data.indexOf('\\r\\n');
    const callId = /^(?:Call-ID|i)[ \\t]*:[ \\t]*([^\\r\\n]+)/im.exec(data);
    return {
      line: end < 0 ? data : data.slice(0, end),
      callId: callId ? callId[1].trim() : null,
      outOfDialog: !/^(?:To|t)[ \\t]*:[^\\r\\n]*;[ \\t]*tag=/im.test(data),
    };
  };
  class BenchWebSocket extends Native {
    constructor(...args) {
      super(...args);
      EventTarget.prototype.addEventListener.call(this, 'message', (event) => {
        const d = describe(event.data);
        if (d) push(log.received, { t: event.timeStamp, ...d });
      });
    }
    send(data) {
      const t = performance.now();
      const d = describe(data);
      if (d) push(log.sent, { t, ...d });
      return super.send(data);
    }
  }
  window.WebSocket = BenchWebSocket;
  Object.defineProperty(window, '__benchSip', { value: log });

  // Where the time before the INVITE goes: microphone (getUserMedia) and ICE gathering.
  const media = { gum: [], pcs: [] };
  Object.defineProperty(window, '__benchMedia', { value: media });
  const nativeGum = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function (...args) {
    const entry = { start: performance.now(), end: null };
    push(media.gum, entry);
    return nativeGum.apply(this, args).then((stream) => { entry.end = performance.now(); return stream; });
  };
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) {
      super(...args);
      const entry = { created: performance.now(), gathered: null };
      push(media.pcs, entry);
      EventTarget.prototype.addEventListener.call(this, 'icegatheringstatechange', () => {
        if (this.iceGatheringState === 'complete' && entry.gathered === null) entry.gathered = performance.now();
      });
    }
  };
})();`;

export interface SipFrame {
  t: number;
  line: string;
  callId: string | null;
  outOfDialog: boolean;
}

export interface MediaTimes {
  /** getUserMedia called / resolved (page clock), the first after `after`. */
  gum: { start: number; end: number | null } | null;
  /** RTCPeerConnection created / ICE gathering complete (page clock), the first after `after`. */
  pc: { created: number; gathered: number | null } | null;
}

export async function mediaTimes(page: Page, after: number): Promise<MediaTimes> {
  return page.evaluate<MediaTimes>(`(() => ({
    gum: window.__benchMedia.gum.find((e) => e.start >= ${after}) ?? null,
    pc: window.__benchMedia.pcs.find((e) => e.created >= ${after}) ?? null,
  }))()`);
}

/** Page-clock time of the first initial INVITE (out of dialog) sent/received after `after`. */
export async function firstInvite(page: Page, direction: 'sent' | 'received', after: number): Promise<SipFrame | null> {
  const frames = await page.evaluate<SipFrame[]>(`window.__benchSip.${direction}.slice()`);
  return frames.find((f) => f.t >= after && f.outOfDialog && f.line.startsWith('INVITE ')) ?? null;
}

/**
 * A Browser whose new contexts first get `script` as an init script (before the harness adds its
 * own bridge-init), so openPhoneApp's page is instrumented from its first script on without
 * touching the harness.
 */
export function browserWithInitScript(browser: Browser, script: string): Browser {
  return new Proxy(browser, {
    get(target, property, receiver) {
      if (property === 'newContext') {
        return async (...args: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
          const context = await target.newContext(...args);
          await context.addInitScript({ content: script });
          return context;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export interface TimedNotification {
  /** Node wall clock (nodeWallClock) when main asked the desktop to show it. */
  wall: number;
  title: string;
}

/** Wraps the recording desktop's notify so each request main makes is timestamped (the same
 *  ports object main's call alerts hold and look `notify` up on at call time). */
export function timeNotifications(app: PhoneApp): TimedNotification[] {
  const records: TimedNotification[] = [];
  const ports = app.desktop.ports;
  const original = ports.notify.bind(ports);
  ports.notify = (content, on) => {
    records.push({ wall: nodeWallClock(), title: content.title });
    return original(content, on);
  };
  return records;
}

export async function waitFor<T>(probe: () => T | null | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface DomMoment {
  /** performance.now() in the page in the MutationObserver callback for the DOM change. */
  dom: number;
  /** performance.now() in the next requestAnimationFrame callback: the frame that paints it
   *  (NaN with `frame: false`, or when no frame came within a second). */
  frame: number;
}

let armed = 0;

/**
 * Installs, in the page, a MutationObserver for `[data-testid=testId]` getting attribute = value
 * (or leaving it, with `negate`), and resolves once it is installed — so an action started after
 * it cannot be missed. The returned function resolves with the page-clock moments of the change.
 * (Passed as source text: tsx would wrap named functions in a `__name` helper the page lacks.)
 */
export async function armMoment(
  page: Page,
  testId: string,
  attribute: string,
  value: string,
  options: { timeoutMs?: number; negate?: boolean; frame?: boolean } = {},
): Promise<() => Promise<DomMoment>> {
  const key = JSON.stringify(`m${++armed}`);
  const selector = JSON.stringify(`[data-testid="${testId}"]`);
  const test = `(document.querySelector(${selector})?.getAttribute(${JSON.stringify(attribute)}) === ${JSON.stringify(value)}) !== ${options.negate ? 'true' : 'false'}`;
  const what = JSON.stringify(`${testId} ${options.negate ? '!' : ''}${attribute}=${value}`);
  await page.evaluate(`(() => {
    const moment = new Promise((resolve, reject) => {
      const matches = () => ${test};
      let timer;
      const done = (dom) => {
        clearTimeout(timer);
        if (${options.frame === false}) return resolve({ dom, frame: NaN });
        // No frame within a second (a throttled, hidden page): report the DOM moment only.
        const noFrame = setTimeout(() => resolve({ dom, frame: NaN }), 1000);
        requestAnimationFrame(() => {
          clearTimeout(noFrame);
          resolve({ dom, frame: performance.now() });
        });
      };
      if (matches()) return done(performance.now());
      const observer = new MutationObserver(() => {
        if (!matches()) return;
        observer.disconnect();
        done(performance.now());
      });
      observer.observe(document, { subtree: true, childList: true, attributes: true });
      timer = setTimeout(() => { observer.disconnect(); reject(new Error('timeout waiting for ' + ${what})); }, ${options.timeoutMs ?? 15000});
    });
    moment.catch(() => undefined); // awaited (and reported) by the returned function, if at all
    (window.__benchMoments ??= {})[${key}] = moment;
  })()`);
  return () =>
    page.evaluate<DomMoment>(`(async () => {
      try { return await window.__benchMoments[${key}]; } finally { delete window.__benchMoments[${key}]; }
    })()`);
}

/** Page-clock time (DOM change) at which the attribute matches; now if it already does. */
export async function pageTimeWhen(page: Page, testId: string, attribute: string, value: string, options: { timeoutMs?: number; negate?: boolean } = {}): Promise<number> {
  return (await (await armMoment(page, testId, attribute, value, { ...options, frame: false }))()).dom;
}

/** What a phone shows and last said on SIP: for the report when a bench call goes wrong. */
export async function phoneState(page: Page): Promise<{ phase: string | null; status: string | null; lamp: string | null; lastSip: string[] }> {
  return page.evaluate(`(() => {
    const status = document.querySelector('[data-testid="call-status"]');
    const log = window.__benchSip;
    const frames = [...log.sent.map((f) => ({ ...f, dir: '→' })), ...log.received.map((f) => ({ ...f, dir: '←' }))]
      .sort((a, b) => a.t - b.t)
      .slice(-12)
      .map((f) => f.t.toFixed(0) + ' ' + f.dir + ' ' + f.line);
    return {
      phase: status?.getAttribute('data-phase') ?? null,
      status: status?.textContent ?? null,
      lamp: document.querySelector('[data-testid="registration-lamp"]')?.getAttribute('data-state') ?? null,
      lastSip: frames,
    };
  })()`);
}

/** Types the number into the dial input as input events (React sees them), lets the page
 *  render, and clicks the call button; returns performance.now() just before the click. */
export function dialAt(page: Page, number: string): Promise<number> {
  return page.evaluate<number>(`(async () => {
    const input = document.querySelector('[data-testid="dial-input"]');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, ${JSON.stringify(number)});
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const button = document.querySelector('[data-testid="call-button"]');
    if (button.disabled) throw new Error('bench: the call button is disabled');
    const now = performance.now();
    button.click();
    return now;
  })()`);
}

/** Clicks the element in the page and returns performance.now() just before the click. */
export function clickAt(page: Page, testId: string): Promise<number> {
  return page.evaluate<number>(`(() => {
    const now = performance.now();
    document.querySelector('[data-testid="${testId}"]').click();
    return now;
  })()`);
}

/** The callee answers the moment its answer button appears while window.__benchAutoAnswer is
 *  true (in-page observer: no test round trip). */
export function installAutoAnswer(page: Page): Promise<void> {
  return page.evaluate(`(() => {
    window.__benchAutoAnswer = false;
    new MutationObserver(() => {
      if (window.__benchAutoAnswer) document.querySelector('[data-testid="answer-button"]')?.click();
    }).observe(document.body, { childList: true, subtree: true });
  })()`);
}

export const setAutoAnswer = (page: Page, on: boolean): Promise<void> => page.evaluate(`void (window.__benchAutoAnswer = ${on})`);

export const pageTimeOrigin = (page: Page): Promise<number> => page.evaluate<number>('performance.timeOrigin');

/** Offset of the page's wall clock (timeOrigin + now) from this process's, estimated from the
 *  round trip with the smallest delay: a sanity check that both clocks can be compared. */
export async function pageClockOffset(page: Page, rounds = 10): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: NaN, rttMs: Infinity };
  for (let i = 0; i < rounds; i++) {
    const before = nodeWallClock();
    const inPage = await page.evaluate<number>('performance.timeOrigin + performance.now()');
    const after = nodeWallClock();
    if (after - before < best.rttMs) best = { offsetMs: inPage - (before + after) / 2, rttMs: after - before };
  }
  return { offsetMs: +best.offsetMs.toFixed(2), rttMs: +best.rttMs.toFixed(2) };
}

export interface HeapSample {
  usedKiB: number;
  totalKiB: number;
  domNodes: number;
  jsEventListeners: number;
}

/**
 * JS heap of the page after forced garbage collection (CDP HeapProfiler.collectGarbage, then
 * Runtime.getHeapUsage) and the DOM counters. The e2e harness's own instrumentation keeps every
 * RTCPeerConnection and every SIP first line it saw (bridge-init); those arrays are emptied
 * first, so only what the app itself retains is measured.
 */
export async function heapAfterGc(page: Page): Promise<HeapSample> {
  await page.evaluate(`(() => {
    for (const name of ['__peerConnections', '__sipSent', '__sipReceived']) if (Array.isArray(window[name])) window[name].length = 0;
  })()`);
  const cdp = await page.context().newCDPSession(page);
  try {
    for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const counters = await cdp.send('Memory.getDOMCounters');
    return {
      usedKiB: +(heap.usedSize / 1024).toFixed(1),
      totalKiB: +(heap.totalSize / 1024).toFixed(1),
      domNodes: counters.nodes,
      jsEventListeners: counters.jsEventListeners,
    };
  } finally {
    await cdp.detach();
  }
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? NaN : num / den;
}

export interface BaselineServer {
  origin: string;
  /** Gzipped size of the page's script (the whole sip.js part the demo needs). */
  bundleGzipKiB: number;
  close(): Promise<void>;
}

/**
 * The baseline: the bare sip.js SimpleUser (sip.js/lib/platform/web/simple-user) in a tiny page
 * (tests/bench/baseline/simple-user-page.ts), bundled with esbuild and served on loopback.
 */
export async function serveBaseline(): Promise<BaselineServer> {
  const script = buildSync({
    entryPoints: [join(import.meta.dirname, 'baseline/simple-user-page.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  }).outputFiles[0]!.contents;
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>sip.js SimpleUser baseline</title></head><body><script src="/baseline.js"></script></body></html>';
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://x').pathname;
    if (pathname === '/' || pathname === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
    } else if (pathname === '/baseline.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(script);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    bundleGzipKiB: +(gzipSync(script).length / 1024).toFixed(1),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface BaselinePhone {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Opens the baseline page for one lab user in its own context of the same browser, with the
 *  same SIP timing instrumentation as the app's pages. */
export async function openBaselinePhone(
  browser: Browser,
  server: BaselineServer,
  account: { user: string; password: string; domain: string; wsServer: string },
): Promise<BaselinePhone> {
  const context = await browser.newContext({ locale: 'ja-JP' });
  await context.addInitScript({ content: SIP_TIMING_INIT_SCRIPT });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log(`[baseline ${account.user} pageerror] ${error.message}`));
  const query = new URLSearchParams({ server: account.wsServer, user: account.user, password: account.password, domain: account.domain });
  await page.goto(`${server.origin}/index.html?${query}`);
  return { page, context, close: () => context.close() };
}
