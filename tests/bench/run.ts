// `npm run bench`: user-visible timings of the real app halves (renderer bundle in Chromium,
// main services behind the bridge) against a real Kamailio on loopback, side by side with the
// bare sip.js SimpleUser demo (same server, same browser, same run). Prints JSON figures.
// A benchmark, not a test: it never fails on a number.
//
// Every figure's start and end events are in the JSON too (`measured`).
// Sizes by env: BENCH_ITERATIONS (cold starts, alerts, call setups; 20), BENCH_RECOVERY_ITERATIONS
// (server restarts; 10), BENCH_LEAK_CALLS (calls of the heap run; 500), BENCH_LEAK_HOLD_MS (time
// each of those calls stays connected; 100), BENCH_BASELINE=0 skips the baseline.
import { chromium, type Page } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../e2e/playwright.config';
import { openPhoneApp, RENDERER_DIR } from '../e2e/harness/phone-app';
import { startKamailio } from '../lab/kamailio';
import { benchData } from './data-bench';
import { benchWebPhonebook } from './webphonebook-bench';
import {
  armMoment,
  browserWithInitScript,
  clickAt,
  dialAt,
  firstInvite,
  heapAfterGc,
  installAutoAnswer,
  mediaTimes,
  nodeWallClock,
  openBaselinePhone,
  pageClockOffset,
  pageTimeOrigin,
  pageTimeWhen,
  phoneState,
  serveBaseline,
  setAutoAnswer,
  SIP_TIMING_INIT_SCRIPT,
  slope,
  summary,
  timeNotifications,
  waitFor,
  type HeapSample,
  type TimedNotification,
} from './sip-timing';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const RECOVERY_ITERATIONS = Number(process.env.BENCH_RECOVERY_ITERATIONS ?? 10);
const LEAK_CALLS = Number(process.env.BENCH_LEAK_CALLS ?? 500);
const LEAK_HOLD_MS = Number(process.env.BENCH_LEAK_HOLD_MS ?? 100);
const BASELINE = process.env.BENCH_BASELINE !== '0';

// stdout carries the JSON only: the harness's page logs (a phone reconnecting to a restarted
// server logs errors, as it should) go to stderr.
const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
console.log = console.error;

const load = () => loadavg().map((v) => +v.toFixed(2));
const loadAtStart = load();
/** Wall time of each bench section, s: what the run costs on this machine. */
const took: Record<string, number> = {};
let lapStart = Date.now();
const lap = (section: string) => {
  took[section] = +((Date.now() - lapStart) / 1000).toFixed(1);
  lapStart = Date.now();
};

// Main-process data work first, so its peak RSS is not the browser driver's.
const dataSizes = { contacts: Number(process.env.BENCH_CONTACTS ?? 100_000), calls: Number(process.env.BENCH_CALLS ?? 1_000_000) };
const data = await benchData(dataSizes);
lap('phonebook and history');
// The web phonebook against its own lab Radicale (started and disposed inside).
const webPhonebook = await benchWebPhonebook({ cards: Number(process.env.BENCH_CARDS ?? 10_000) });
lap('web phonebook');

const lab = await startKamailio();
const browser = await chromium.launch({ executablePath: process.env.TSUNAGU_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
// Every page (app and baseline) gets the same SIP timing instrumentation from its first script on.
const instrumented = browserWithInitScript(browser, SIP_TIMING_INIT_SCRIPT);
const account = (user: string) => ({ user, authorizationUser: '', domain: lab.domain, wsServer: lab.wsUrl, outboundProxy: '', displayName: '', serviceCode: '' });
const password = (user: string) => lab.users.find((u) => u.user === user)!.password;
const openApp = (user: string, label: string) => openPhoneApp(instrumented, { account: account(user), password: password(user), label });
const baselineServer = BASELINE ? await serveBaseline() : null;
const openBaseline = (user: string) => openBaselinePhone(browser, baselineServer!, { user, password: password(user), domain: lab.domain, wsServer: lab.wsUrl });

/** The two phones under test, driven through the same selectors. */
interface Phone {
  page: Page;
  close(): Promise<void>;
}
interface Pair {
  caller: Phone;
  callee: Phone;
  calleeNumber: string;
  /** The callee's main-side notification requests (the app only). */
  notifications: TimedNotification[] | null;
}

const registered = (phone: Phone) => pageTimeWhen(phone.page, 'registration-lamp', 'data-state', 'ok');
const idle = (phone: Phone) => pageTimeWhen(phone.page, 'call-status', 'data-phase', 'idle');

async function hangUp(pair: Pair): Promise<void> {
  await clickAt(pair.caller.page, 'hangup-button');
  await Promise.all([idle(pair.caller), idle(pair.callee)]);
}

/** Calls that went wrong, by bench section: what both phones showed and last said on SIP. The
 *  call is cleared away and the bench goes on (a benchmark reports; it does not stop). */
const failures: Record<string, unknown[]> = {};
async function guarded(section: string, pair: Pair, run: () => Promise<void>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    const failure = {
      error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      caller: await phoneState(pair.caller.page),
      callee: await phoneState(pair.callee.page),
    };
    console.error(`bench: a call in "${section}" went wrong`, JSON.stringify(failure, null, 2));
    (failures[section] ??= []).push(failure);
    for (const phone of [pair.caller, pair.callee]) {
      await phone.page.evaluate(`document.querySelector('[data-testid="hangup-button"]')?.click()`);
      await idle(phone).catch(() => undefined);
    }
    return false;
  }
}

async function openPair<P extends Phone>(open: (user: string) => Promise<P>, callerUser: string, calleeUser: string, notify: (phone: P) => TimedNotification[] | null): Promise<Pair> {
  const caller = await open(callerUser);
  const callee = await open(calleeUser);
  await registered(caller);
  await registered(callee);
  await installAutoAnswer(callee.page);
  return { caller, callee, calleeNumber: calleeUser, notifications: notify(callee) };
}

// ---------------------------------------------------------------------------------------------
// 1. Cold start → 通話可能: page navigation start (performance.now() = 0) to the lamp turning
//    green. The app: boot, bridge round trips for settings and credentials, WebSocket connect,
//    REGISTER/401/REGISTER/200. The baseline: script load, connect, the same REGISTER exchange
//    (its credentials are in the URL: no bridge). Interleaved, so load changes hit both alike.
const registration: number[] = [];
const baselineRegistration: number[] = [];
for (let i = 0; i < ITERATIONS; i++) {
  const phone = await openApp('1001', 'bench');
  registration.push(await registered(phone));
  await phone.close();
  if (baselineServer) {
    const demo = await openBaseline('1005');
    baselineRegistration.push(await registered(demo));
    await demo.close();
  }
}

lap('cold start');

// ---------------------------------------------------------------------------------------------
// 1b. Several accounts (issue 7): cold start with three accounts → all three lamps 通話可能
//     (they register in parallel, so this should be close to one account's figure), and the CTI
//     caller panel: INVITE frame received → panel in the DOM (page clock), → the 電話受付 page
//     requested from the desktop (Node wall clock; it waits for the caller's name, here from the
//     personal phonebook, at most 1.5 s).
const allRegistered = (page: Page, count: number): Promise<number> =>
  page.evaluate<number>(`new Promise((resolve, reject) => {
    const done = () => document.querySelectorAll('[data-testid="account-status"][data-state="registered"]').length === ${count};
    if (done()) return resolve(performance.now());
    const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); resolve(performance.now()); } });
    observer.observe(document, { subtree: true, childList: true, attributes: true });
    setTimeout(() => { observer.disconnect(); reject(new Error('timeout waiting for ${count} registered accounts')); }, 15000);
  })`);
const threeAccounts: number[] = [];
for (let i = 0; i < Math.max(3, Math.round(ITERATIONS / 2)); i++) {
  const phone = await openPhoneApp(instrumented, {
    account: account('1001'),
    password: password('1001'),
    label: 'three-accounts',
    beforeLoad: (services) => {
      for (const user of ['1004', '1008']) services.settings.saveAccount({ account: account(user), password: password(user) });
    },
  });
  threeAccounts.push(await allRegistered(phone.page, 3));
  await phone.close();
}
lap('cold start, three accounts');

const ctiFigures = { panel: [] as number[], reception: [] as number[] };
{
  const callee = await openPhoneApp(instrumented, {
    account: account('1008'),
    password: password('1008'),
    label: 'cti',
    beforeLoad: (services) => {
      services.settings.setCti({
        enabled: true,
        showOnRing: true,
        showOnAnswer: false,
        skipInternal: false,
        internalMaxDigits: 4,
        autoOpenReception: true,
        urls: { reception: 'https://crm.example.jp/reception?tel={number}&name={name}', customerList: '', linkedPhonebook: '' },
        webhooks: { ring: '', answer: '', end: '', missed: '', outgoing: '' },
      });
      services.contacts.create({ name: '株式会社サンプル 受付', kana: '', company: '', department: '', numbers: [{ label: '会社', number: '1009' }], email: '', notes: '', favourite: false, photo: null });
    },
  });
  const opened: number[] = [];
  const ports = callee.desktop.ports;
  const openExternal = ports.openExternal.bind(ports);
  ports.openExternal = (url) => {
    opened.push(nodeWallClock());
    return openExternal(url);
  };
  const caller = await openApp('1009', 'cti-caller');
  const pair: Pair = { caller, callee, calleeNumber: '1008', notifications: null };
  await registered(caller);
  await registered(callee);
  for (let i = 0; i < ITERATIONS; i++) {
    await guarded('CTI panel', pair, async () => {
      const since = await callee.page.evaluate<number>('performance.now()');
      const before = opened.length;
      const panel = callee.page.evaluate<number>(`new Promise((resolve, reject) => {
        const seen = () => { const el = document.querySelector('[data-testid="cti-panel"]'); return el && el.getAttribute('data-call-id') !== window.__benchLastCti ? el : null; };
        const finish = (el) => { window.__benchLastCti = el.getAttribute('data-call-id'); resolve(performance.now()); };
        const now = seen(); if (now) return finish(now);
        const observer = new MutationObserver(() => { const el = seen(); if (el) { observer.disconnect(); finish(el); } });
        observer.observe(document, { subtree: true, childList: true, attributes: true });
        setTimeout(() => { observer.disconnect(); reject(new Error('timeout waiting for the CTI panel')); }, 15000);
      })`);
      await dialAt(caller.page, '1008');
      const shownAt = await panel;
      const invite = await firstInvite(callee.page, 'received', since);
      if (!invite) throw new Error('bench: the CTI callee saw no INVITE frame');
      ctiFigures.panel.push(shownAt - invite.t);
      const openedAt = await waitFor(() => opened[before], 5000, 'the 電話受付 page');
      ctiFigures.reception.push(openedAt - ((await pageTimeOrigin(callee.page)) + invite.t));
      await hangUp(pair);
    });
  }
  await caller.close();
  await callee.close();
}
lap('CTI panel');
const app: Pair = await openPair((user) => openApp(user, user), '1002', '1003', timeNotifications);
const base: Pair | null = baselineServer ? await openPair(openBaseline, '1006', '1007', () => null) : null;

// ---------------------------------------------------------------------------------------------
// 2. Incoming alert: the callee's WebSocket delivers the INVITE frame (MessageEvent.timeStamp,
//    callee page clock) → call-status shows 着信中 (data-phase=ringing: MutationObserver, then
//    the next animation frame) and → main asks the desktop for the 着信 notification (wall
//    clock in Node; the page's wall clock is performance.timeOrigin + its performance.now()).
//    The callee does not answer; the caller cancels after both moments.
interface AlertFigures {
  dom: number[];
  frame: number[];
  notify: number[];
}
async function alertOnce(pair: Pair, figures: AlertFigures): Promise<void> {
  await setAutoAnswer(pair.callee.page, false);
  const ringing = await armMoment(pair.callee.page, 'call-status', 'data-phase', 'ringing');
  const since = await pair.callee.page.evaluate<number>('performance.now()');
  const notified = pair.notifications?.length ?? 0;
  await dialAt(pair.caller.page, pair.calleeNumber);
  const moment = await ringing();
  const invite = await firstInvite(pair.callee.page, 'received', since);
  if (!invite) throw new Error('bench: the callee page saw no INVITE frame');
  figures.dom.push(moment.dom - invite.t);
  if (Number.isFinite(moment.frame)) figures.frame.push(moment.frame - invite.t);
  if (pair.notifications) {
    const notifications = pair.notifications;
    const shown = await waitFor(() => notifications.slice(notified).find((n) => n.title.startsWith('着信:')), 5000, 'the incoming-call notification');
    figures.notify.push(shown.wall - ((await pageTimeOrigin(pair.callee.page)) + invite.t));
  }
  await hangUp(pair);
}
const alert: AlertFigures = { dom: [], frame: [], notify: [] };
const baselineAlert: AlertFigures = { dom: [], frame: [], notify: [] };
for (let i = 0; i < ITERATIONS; i++) {
  await guarded('incoming alert', app, () => alertOnce(app, alert));
  if (base) await guarded('incoming alert (baseline)', base, () => alertOnce(base, baselineAlert));
}

// ---------------------------------------------------------------------------------------------
// 3. Post-dial delay and call setup: the caller's call button is clicked (performance.now() just
//    before click(), caller page) → the INVITE leaves on its WebSocket (send() wrapper) → the
//    callee's status shows 着信中 → the caller's status shows 通話中 (data-phase=in-call). The
//    callee answers the moment its answer button appears (in-page observer).
interface SetupFigures {
  invite: number[];
  ringing: number[];
  established: number[];
  /** Where the time before the INVITE goes: click → microphone stream, → ICE gathering done. */
  microphone: number[];
  gathered: number[];
}
async function setupOnce(pair: Pair, figures: SetupFigures): Promise<void> {
  await setAutoAnswer(pair.callee.page, true);
  const calleeRinging = await armMoment(pair.callee.page, 'call-status', 'data-phase', 'ringing');
  const established = await armMoment(pair.caller.page, 'call-status', 'data-phase', 'in-call');
  const t0 = await dialAt(pair.caller.page, pair.calleeNumber);
  const inCall = (await established()).dom;
  const rang = (await calleeRinging()).dom;
  const invite = await firstInvite(pair.caller.page, 'sent', t0);
  if (!invite) throw new Error('bench: the caller page sent no INVITE');
  figures.invite.push(invite.t - t0);
  const media = await mediaTimes(pair.caller.page, t0);
  if (media.gum && media.gum.end !== null) figures.microphone.push(media.gum.end - t0);
  if (media.pc && media.pc.gathered !== null) figures.gathered.push(media.pc.gathered - t0);
  figures.established.push(inCall - t0);
  // Both pages share the machine clock: express the callee's ringing in caller page time.
  figures.ringing.push(rang + (await pageTimeOrigin(pair.callee.page)) - (await pageTimeOrigin(pair.caller.page)) - t0);
  await hangUp(pair);
}
const setup: SetupFigures = { invite: [], ringing: [], established: [], microphone: [], gathered: [] };
const baselineSetup: SetupFigures = { invite: [], ringing: [], established: [], microphone: [], gathered: [] };
lap('incoming alert');
for (let i = 0; i < ITERATIONS; i++) {
  await guarded('call setup', app, () => setupOnce(app, setup));
  if (base) await guarded('call setup (baseline)', base, () => setupOnce(base, baselineSetup));
}
lap('call setup');
const clockCheck = {
  app: await pageClockOffset(app.callee.page),
  ...(base ? { baseline: await pageClockOffset(base.callee.page) } : {}),
};

// ---------------------------------------------------------------------------------------------
// 4. Leak check: the same pair makes LEAK_CALLS short calls (dial, auto-answer, 通話中, hold
//    LEAK_HOLD_MS, hang up, both idle). Both renderers' JS heaps after forced GC every 1/5 of
//    the run; the slope is fitted over the samples in the last 60 % of the calls.
async function leakRun(pair: Pair, calls: number) {
  const step = Math.max(1, Math.round(calls / 5));
  const series: { calls: number; caller: HeapSample; callee: HeapSample }[] = [];
  const sample = async (done: number) => series.push({ calls: done, caller: await heapAfterGc(pair.caller.page), callee: await heapAfterGc(pair.callee.page) });
  await setAutoAnswer(pair.callee.page, true);
  await sample(0);
  const started = Date.now();
  let sampling = 0;
  let failed = 0;
  for (let done = 1; done <= calls; done++) {
    const ok = await guarded('leak check', pair, async () => {
      const established = await armMoment(pair.caller.page, 'call-status', 'data-phase', 'in-call', { frame: false, timeoutMs: 10_000 });
      await dialAt(pair.caller.page, pair.calleeNumber);
      await established();
      await new Promise((resolve) => setTimeout(resolve, LEAK_HOLD_MS));
      await hangUp(pair);
    });
    if (!ok && ++failed >= 5) break;
    if (done % step === 0 || done === calls) {
      const t = Date.now();
      await sample(done);
      sampling += Date.now() - t;
    }
  }
  const callsMs = Date.now() - started - sampling;
  const tail = series.filter((s) => s.calls >= calls * 0.4);
  const kibPerCall = (side: 'caller' | 'callee') => +slope(tail.map((s) => ({ x: s.calls, y: s[side].usedKiB }))).toFixed(3);
  return {
    calls,
    'connected per call, ms': LEAK_HOLD_MS,
    'duration of the calls, s': +(callsMs / 1000).toFixed(1),
    'per call (dial → idle again), ms': +(callsMs / calls).toFixed(0),
    ...(failed ? { 'failed calls (see "calls that went wrong")': failed } : {}),
    series: series.map((s) => ({
      calls: s.calls,
      'caller used KiB': s.caller.usedKiB,
      'callee used KiB': s.callee.usedKiB,
      'caller DOM nodes': s.caller.domNodes,
      'callee DOM nodes': s.callee.domNodes,
      'caller listeners': s.caller.jsEventListeners,
      'callee listeners': s.callee.jsEventListeners,
    })),
    [`slope over the last ${tail.at(-1)!.calls - tail[0]!.calls} calls, KiB per call`]: { caller: kibPerCall('caller'), callee: kibPerCall('callee') },
  };
}
const leak = await leakRun(app, LEAK_CALLS);
lap('leak check');
const baselineHeap = base
  ? { 'after its alert and setup calls (GC), KiB': { calls: ITERATIONS * 2, caller: (await heapAfterGc(base.caller.page)).usedKiB, callee: (await heapAfterGc(base.callee.page)).usedKiB } }
  : null;
for (const pair of [app, base]) {
  await pair?.caller.close();
  await pair?.callee.close();
}

// ---------------------------------------------------------------------------------------------
// 5. Recovery after a server restart while idle: Kamailio is stopped (SIGTERM, as a restart
//    does) and started again on the same ports. Both phones watch the same restart. Figures:
//    the server is back (lab.start() resolved: the WS port accepts and SIP answers OPTIONS;
//    Node wall clock) → the lamp is green again (page wall clock); and stop requested → green
//    (the outage a user sees).
interface RecoveryFigures {
  fromBack: number[];
  fromStop: number[];
  /** Restarts after which the phone was not registered again within RECOVERY_TIMEOUT_MS (it is
   *  then left out of the later restarts). */
  notRecovered: number;
}
const RECOVERY_TIMEOUT_MS = 30_000;
const recovery: RecoveryFigures = { fromBack: [], fromStop: [], notRecovered: 0 };
const baselineRecovery: RecoveryFigures = { fromBack: [], fromStop: [], notRecovered: 0 };
const restart: number[] = [];
{
  const phones: [Phone, RecoveryFigures][] = [[await openApp('1004', 'recovery'), recovery]];
  if (baselineServer) phones.push([await openBaseline('1009'), baselineRecovery]);
  for (const [phone] of phones) await registered(phone);
  let watched = phones;
  for (let i = 0; i < RECOVERY_ITERATIONS && watched.length > 0; i++) {
    const stopAt = nodeWallClock();
    await lab.stop();
    const stopped = nodeWallClock();
    for (const [phone] of watched) await pageTimeWhen(phone.page, 'registration-lamp', 'data-state', 'ok', { negate: true, timeoutMs: 10_000 });
    const back = await Promise.all(watched.map(([phone]) => armMoment(phone.page, 'registration-lamp', 'data-state', 'ok', { timeoutMs: RECOVERY_TIMEOUT_MS })));
    await lab.start();
    const backAt = nodeWallClock();
    restart.push(backAt - stopped);
    const lost = new Set<RecoveryFigures>();
    await Promise.all(
      watched.map(async ([phone, figures], index) => {
        try {
          const green = (await pageTimeOrigin(phone.page)) + (await back[index]!()).dom;
          figures.fromBack.push(green - backAt);
          figures.fromStop.push(green - stopAt);
        } catch {
          figures.notRecovered += 1;
          lost.add(figures);
        }
      }),
    );
    watched = watched.filter(([, figures]) => !lost.has(figures));
    // Let the reconnect logic settle (backoff counters reset) before the next restart.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const [phone] of phones) await phone.close();
}

lap('recovery');
await browser.close();
await lab.dispose();
await baselineServer?.close();

const assets = join(RENDERER_DIR, 'assets');
const bundle = readdirSync(assets)
  .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
  .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0);

const recoveryFigures = (figures: RecoveryFigures) => ({
  'server back → 通話可能 again, ms': summary(figures.fromBack),
  'server stop → 通話可能 again, ms': summary(figures.fromStop),
  ...(figures.notRecovered ? { [`not registered again within ${RECOVERY_TIMEOUT_MS / 1000} s`]: figures.notRecovered } : {}),
});

printJson({
  environment: {
    chromium: browser.version(),
    iterations: ITERATIONS,
    network: 'loopback netns',
    server: 'Kamailio (tests/lab)',
    'load average (1, 5, 15 min) at start / end': [loadAtStart, load()],
    cores: 'shared machine: figures include contention from other jobs',
    'page↔node wall-clock offset check (min round trip), ms': clockCheck,
    'section durations, s': took,
  },
  measured: {
    'cold start': 'page navigation start (performance.timeOrigin) → registration-lamp data-state=ok (MutationObserver), page clock',
    'three accounts': 'page navigation start → the third account-status element with data-state=registered (MutationObserver), page clock; accounts 1001, 1004, 1008 on one Kamailio',
    CTI: 'callee with CTI on (panel on ring, 電話受付 opened automatically, caller in its personal phonebook): INVITE MessageEvent.timeStamp → cti-panel for the new call in the DOM (page clock) / → DesktopPorts.openExternal called (Node wall clock vs page timeOrigin + timeStamp)',
    'incoming alert': 'callee WebSocket MessageEvent.timeStamp of the initial INVITE (page clock) → call-status data-phase=ringing (MutationObserver; "painted" = the next requestAnimationFrame) / → main calls DesktopPorts.notify for the 着信 notification (Node wall clock vs page timeOrigin + timeStamp)',
    'post-dial': 'caller page performance.now() just before call-button.click() → WebSocket.send() of the initial INVITE / → callee data-phase=ringing / → caller data-phase=in-call (callee answers in-page the moment its answer button appears); breakdown: → getUserMedia resolved, → RTCPeerConnection iceGatheringState=complete',
    recovery: 'idle registered phones; Kamailio stopped (SIGTERM) and started again on the same ports; lab.start() resolved (WS accepts, SIP answers OPTIONS; Node wall clock) → lamp data-state=ok again (page wall clock)',
    'leak check': `one pair, ${LEAK_CALLS} calls: dial → auto-answer → 通話中 → ${LEAK_HOLD_MS} ms → hang up → both idle; JS heap (CDP HeapProfiler.collectGarbage ×3, Runtime.getHeapUsage) and DOM counters of both renderers every 1/5 of the run, after emptying the e2e harness's own recording arrays`,
    bundle: 'sum of gzipped .js and .css in out/renderer/assets',
  },
  'cold start → registered (通話可能), ms': summary(registration),
  'cold start, three accounts → all three 通話可能, ms': summary(threeAccounts),
  'CTI: INVITE frame received → caller panel in DOM, ms': summary(ctiFigures.panel),
  'CTI: INVITE frame received → 電話受付 page requested (name from the phonebook), ms': summary(ctiFigures.reception),
  'incoming alert: INVITE frame received → 着信中 in DOM, ms': summary(alert.dom),
  'incoming alert: INVITE frame received → 着信中 painted (next frame), ms': summary(alert.frame),
  'incoming alert: INVITE frame received → notification requested (main), ms': summary(alert.notify),
  'post-dial: call button → INVITE on the wire, ms': summary(setup.invite),
  'post-dial breakdown: call button → microphone stream (getUserMedia resolved), ms': summary(setup.microphone),
  'post-dial breakdown: call button → ICE gathering complete, ms': summary(setup.gathered),
  'call button → callee rings (着信中), ms': summary(setup.ringing),
  'call button → established (通話中), ms': summary(setup.established),
  'recovery after a Kamailio restart (idle)': {
    iterations: RECOVERY_ITERATIONS,
    'restart (stopped → ready again), ms': summary(restart),
    ...recoveryFigures(recovery),
  },
  'renderer heap after short calls (leak check)': leak,
  'renderer bundle, gzipped KiB': +(bundle / 1024).toFixed(1),
  baseline: base
    ? {
        phone: 'bare sip.js 0.21 SimpleUser (tests/bench/baseline), same Kamailio, same Chromium and flags, same instrumentation',
        configuration: 'demo defaults except ICE: no STUN server and a 200 ms gathering cap, as the app (the default public STUN server is unreachable in the lab)',
        'cold start → registered, ms': summary(baselineRegistration),
        'incoming alert: INVITE frame received → ringing in DOM, ms': summary(baselineAlert.dom),
        'incoming alert: INVITE frame received → ringing painted (next frame), ms': summary(baselineAlert.frame),
        'incoming alert: INVITE frame received → notification requested': 'not applicable: the demo shows no notification (a browser page has no main process)',
        'post-dial: call button → INVITE on the wire, ms': summary(baselineSetup.invite),
        'post-dial breakdown: call button → microphone stream (getUserMedia resolved), ms': summary(baselineSetup.microphone),
        'post-dial breakdown: call button → ICE gathering complete, ms': summary(baselineSetup.gathered),
        'call button → callee rings, ms': summary(baselineSetup.ringing),
        'call button → established, ms': summary(baselineSetup.established),
        'recovery after a Kamailio restart (idle), same restarts': {
          ...recoveryFigures(baselineRecovery),
          note: 'SimpleUser reconnects at once, then after reconnectionDelay (4 s default), 3 attempts in all',
        },
        heap: {
          ...baselineHeap,
          'the app at the same point (leak check, 0 calls), KiB': { caller: leak.series[0]!['caller used KiB'], callee: leak.series[0]!['callee used KiB'] },
          'leak run': 'not run for the baseline (time budget)',
        },
        'bundle, gzipped KiB': baselineServer!.bundleGzipKiB,
      }
    : 'skipped (BENCH_BASELINE=0)',
  [`phonebook and history (${dataSizes.contacts.toLocaleString('en')} contacts, ${dataSizes.calls.toLocaleString('en')} calls)`]: data,
  'web phonebook (CardDAV, lab Radicale)': webPhonebook,
  ...(Object.keys(failures).length ? { 'calls that went wrong': failures } : {}),
});
