// `npm run bench`: user-visible timings of the real app halves (renderer bundle in Chromium,
// main services behind the bridge) against a real Kamailio on loopback. Prints JSON figures.
// A benchmark, not a test: it never fails on a number.
import { chromium, type Page } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../e2e/playwright.config';
import { openPhoneApp, RENDERER_DIR } from '../e2e/harness/phone-app';
import { startKamailio } from '../lab/kamailio';
import { benchData } from './data-bench';
import { benchWebPhonebook } from './webphonebook-bench';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (p: number) => +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
  return { n: sorted.length, min: +sorted[0]!.toFixed(1), p50: pick(50), p95: pick(95), max: +sorted.at(-1)!.toFixed(1) };
}

/** Resolves with performance.now() in the page at the DOM mutation that makes the attribute match.
 *  (Passed as source text: tsx would wrap named functions in a `__name` helper the page lacks.) */
function pageTimeWhen(page: Page, testId: string, attribute: string, value: string): Promise<number> {
  const selector = JSON.stringify(`[data-testid="${testId}"]`);
  return page.evaluate(`new Promise((resolve, reject) => {
    const matches = () => document.querySelector(${selector})?.getAttribute(${JSON.stringify(attribute)}) === ${JSON.stringify(value)};
    if (matches()) return resolve(performance.now());
    const observer = new MutationObserver(() => {
      if (!matches()) return;
      observer.disconnect();
      resolve(performance.now());
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true });
    setTimeout(() => reject(new Error('timeout waiting for ' + ${selector})), 15000);
  })`);
}

// Main-process data work first, so its peak RSS is not the browser driver's.
const data = await benchData({
  contacts: Number(process.env.BENCH_CONTACTS ?? 100_000),
  calls: Number(process.env.BENCH_CALLS ?? 1_000_000),
});
// The web phonebook against its own lab Radicale (started and disposed inside).
const webPhonebook = await benchWebPhonebook({ cards: Number(process.env.BENCH_CARDS ?? 10_000) });

const lab = await startKamailio();
const browser = await chromium.launch({ executablePath: process.env.TSUNAGU_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const account = (user: string) => ({ user, authorizationUser: '', domain: lab.domain, wsServer: lab.wsUrl, outboundProxy: '', displayName: '', serviceCode: '' });

// 1. Cold start → 通話可能: page navigation start to the lamp turning green (boot, bridge
//    round trips for settings and credentials, WebSocket connect, REGISTER/401/REGISTER/200).
const registration: number[] = [];
for (let i = 0; i < ITERATIONS; i++) {
  const app = await openPhoneApp(browser, { account: account('1001'), password: 'pass1001', label: 'bench' });
  registration.push(await pageTimeWhen(app.page, 'registration-lamp', 'data-state', 'ok'));
  await app.close();
}

// 2. Call setup: the caller presses IP電話 → its status shows 通話中. The callee answers the
//    moment its answer button appears (in-page observer, no test round trip).
const caller = await openPhoneApp(browser, { account: account('1002'), password: 'pass1002', label: 'caller' });
const callee = await openPhoneApp(browser, { account: account('1003'), password: 'pass1003', label: 'callee' });
await pageTimeWhen(caller.page, 'registration-lamp', 'data-state', 'ok');
await pageTimeWhen(callee.page, 'registration-lamp', 'data-state', 'ok');
await callee.page.evaluate(`new MutationObserver(() => document.querySelector('[data-testid="answer-button"]')?.click())
  .observe(document.body, { childList: true, subtree: true })`);
const setup: number[] = [];
const ringing: number[] = [];
for (let i = 0; i < ITERATIONS; i++) {
  await caller.page.getByTestId('dial-input').fill('1003');
  const calleeRinging = pageTimeWhen(callee.page, 'call-status', 'data-phase', 'ringing');
  const established = pageTimeWhen(caller.page, 'call-status', 'data-phase', 'in-call');
  const t0 = await caller.page.evaluate<number>(`(() => {
    const now = performance.now();
    document.querySelector('[data-testid="call-button"]').click();
    return now;
  })()`);
  const callerOrigin = await caller.page.evaluate(() => performance.timeOrigin);
  const calleeOrigin = await callee.page.evaluate(() => performance.timeOrigin);
  setup.push((await established) - t0);
  // Both pages share the machine clock: express the callee's ringing in caller page time.
  ringing.push((await calleeRinging) + calleeOrigin - callerOrigin - t0);
  await caller.page.getByTestId('hangup-button').click();
  await pageTimeWhen(caller.page, 'call-status', 'data-phase', 'idle');
  await pageTimeWhen(callee.page, 'call-status', 'data-phase', 'idle');
}
await caller.close();
await callee.close();
await browser.close();
await lab.dispose();

const assets = join(RENDERER_DIR, 'assets');
const bundle = readdirSync(assets)
  .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
  .reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0);

console.log(
  JSON.stringify(
    {
      environment: { chromium: browser.version(), iterations: ITERATIONS, network: 'loopback netns', server: 'Kamailio (tests/lab)' },
      'cold start → registered (通話可能), ms': summary(registration),
      'call button → callee rings (着信中), ms': summary(ringing),
      'call button → established (通話中), ms': summary(setup),
      'renderer bundle, gzipped KiB': +(bundle / 1024).toFixed(1),
      'phonebook and history (100,000 contacts, 1,000,000 calls)': data,
      'web phonebook (CardDAV, lab Radicale)': webPhonebook,
    },
    null,
    2,
  ),
);
