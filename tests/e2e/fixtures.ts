import { test as base, expect, type Page } from '@playwright/test';
import { startKamailio, type KamailioLab, type StartKamailioOptions } from '../lab/kamailio';
import { startParkServer, type ParkServer } from '../lab/park-server';
import type { AccountSettings } from '../../src-preload/contract';
import { openPhoneApp, type PhoneApp, type PhoneAppOptions } from './harness/phone-app';

export function labAccount(lab: KamailioLab, user: string, overrides: Partial<AccountSettings> = {}): AccountSettings {
  return {
    user,
    authorizationUser: '',
    domain: lab.domain,
    wsServer: lab.wsUrl,
    outboundProxy: '',
    displayName: '',
    serviceCode: '',
    ...overrides,
  };
}

const LAB_LOG_LINES = 60;

interface Fixtures {
  /** Opens a Tsunagu app (main services + renderer page); closed after the test. */
  openPhone(options?: PhoneAppOptions): Promise<PhoneApp>;
  /** Opens an app already configured for a lab user with the right password. */
  phoneFor(user: string, options?: Omit<PhoneAppOptions, 'account'>): Promise<PhoneApp>;
}

interface WorkerFixtures {
  /** How the worker's lab is started; a spec that needs the media relay sets { media: true }. */
  labOptions: StartKamailioOptions;
  /** One Kamailio per worker, shared by the tests that do not stop it. */
  lab: KamailioLab;
  /** The lab's park holder (slots 701–706), for specs whose lab has media. */
  park: ParkServer;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  labOptions: [{}, { scope: 'worker', option: true }],
  lab: [
    async ({ labOptions }, use) => {
      const lab = await startKamailio(labOptions);
      await use(lab);
      await lab.dispose();
    },
    { scope: 'worker' },
  ],
  park: [
    async ({ lab }, use) => {
      const park = await startParkServer(lab);
      await use(park);
      await park.dispose();
    },
    { scope: 'worker' },
  ],
  openPhone: async ({ browser }, use, testInfo) => {
    const opened: PhoneApp[] = [];
    await use(async (options) => {
      const app = await openPhoneApp(browser, options);
      opened.push(app);
      return app;
    });
    // A failed test prints what its phones warned about (e.g. why a REGISTER was refused).
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const app of opened) for (const line of app.warnings()) console.log(line);
    }
    for (const app of opened.reverse()) await app.close();
  },
  phoneFor: async ({ openPhone, lab }, use, testInfo) => {
    const logStart = lab.log().length;
    await use((user, options = {}) => {
      const password = lab.users.find((u) => u.user === user)?.password;
      return openPhone({ ...options, label: options.label ?? user, account: labAccount(lab, user), password: options.password ?? password ?? '' });
    });
    // A failed test prints what Kamailio said meanwhile (the worker's lab is shared, so only
    // the part written during this test, and only its end).
    if (testInfo.status !== testInfo.expectedStatus) {
      const lines = lab.log().slice(logStart).trimEnd().split('\n').slice(-LAB_LOG_LINES);
      console.log(`--- Kamailio during this test (last ${lines.length} lines) ---\n${lines.join('\n')}`);
    }
  },
});

export { expect };

/** The sum of one inbound-rtp audio statistic over the page's live peer connections
 *  (instrumented by bridge-init). */
async function inboundAudioStat(page: Page, stat: 'packetsReceived' | 'totalAudioEnergy'): Promise<number> {
  return page.evaluate(async (name) => {
    const connections = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    let sum = 0;
    for (const pc of connections) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((report: { type: string; kind?: string } & Partial<Record<typeof name, number>>) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') sum += report[name] ?? 0;
      });
    }
    return sum;
  }, stat);
}

/** RTP packets received: audio really flows. */
export const inboundAudioPackets = (page: Page): Promise<number> => inboundAudioStat(page, 'packetsReceived');

/** Audio energy received: it grows only while the far end sends sound (silence adds nothing),
 *  so a test can tell a muted or held line from a live one. */
export const inboundAudioEnergy = (page: Page): Promise<number> => inboundAudioStat(page, 'totalAudioEnergy');

export async function expectRegistered(page: Page): Promise<void> {
  try {
    await expect(page.getByTestId('registration-lamp')).toHaveAttribute('data-state', 'ok');
  } catch (error) {
    // Say what the lamp said (e.g. 認証に失敗しました sip:401), so a failure names its cause.
    const said = await page
      .getByTestId('registration-lamp')
      .textContent({ timeout: 1000 })
      .catch(() => null);
    throw new Error(`not registered; the lamp says: ${said ?? '(nothing)'}`, { cause: error });
  }
  await expect(page.getByTestId('registration-label')).toHaveText('通話可能');
}

export async function dial(page: Page, number: string): Promise<void> {
  await page.getByTestId('dial-input').fill(number);
  await page.getByTestId('call-button').click();
}

/** `caller` calls `number` on `callee`, `callee` answers, and audio flows both ways. */
export async function connect(caller: PhoneApp, callee: PhoneApp, number: string): Promise<void> {
  await expectRegistered(caller.page);
  await expectRegistered(callee.page);
  await dial(caller.page, number);
  await expect(callee.page.getByTestId('call-status')).toHaveText('着信中');
  await callee.page.getByTestId('answer-button').click();
  await expect(caller.page.getByTestId('call-status')).toHaveText('通話中');
  await expect(callee.page.getByTestId('call-status')).toHaveText('通話中');
  await expect.poll(() => inboundAudioPackets(caller.page)).toBeGreaterThan(10);
  await expect.poll(() => inboundAudioPackets(callee.page)).toBeGreaterThan(10);
}

/** First lines of the SIP requests the page has sent (instrumented by bridge-init). */
export function sentSipRequests(page: Page, method: string): Promise<number> {
  return page.evaluate((m) => (window as unknown as { __sipSent: string[] }).__sipSent.filter((line) => line.startsWith(`${m} `)).length, method);
}

/** How much `measure` grows over `ms` (e.g. packets received in one second). */
export async function growth(page: Page, measure: (page: Page) => Promise<number>, ms = 1000): Promise<number> {
  const before = await measure(page);
  await page.waitForTimeout(ms);
  return (await measure(page)) - before;
}

/** First lines of the SIP messages the page has received (and INFO requests whole). */
export function receivedSip(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(window as unknown as { __sipReceived: string[] }).__sipReceived]);
}
