import { test as base, expect, type Page } from '@playwright/test';
import { startKamailio, type KamailioLab } from '../lab/kamailio';
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

interface Fixtures {
  /** Opens a Tsunagu app (main services + renderer page); closed after the test. */
  openPhone(options?: PhoneAppOptions): Promise<PhoneApp>;
  /** Opens an app already configured for a lab user with the right password. */
  phoneFor(user: string, options?: Omit<PhoneAppOptions, 'account'>): Promise<PhoneApp>;
}

interface WorkerFixtures {
  /** One Kamailio per worker, shared by the tests that do not stop it. */
  lab: KamailioLab;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  lab: [
    // Playwright requires an object pattern here, even an empty one.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const lab = await startKamailio();
      await use(lab);
      await lab.dispose();
    },
    { scope: 'worker' },
  ],
  openPhone: async ({ browser }, use) => {
    const opened: PhoneApp[] = [];
    await use(async (options) => {
      const app = await openPhoneApp(browser, options);
      opened.push(app);
      return app;
    });
    for (const app of opened.reverse()) await app.close();
  },
  phoneFor: async ({ openPhone, lab }, use) => {
    await use((user, options = {}) => {
      const password = lab.users.find((u) => u.user === user)?.password;
      return openPhone({ ...options, label: options.label ?? user, account: labAccount(lab, user), password: options.password ?? password ?? '' });
    });
  },
});

export { expect };

/** Sum of RTP packets received on the page's peer connections (instrumented by bridge-init). */
export async function inboundAudioPackets(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    let packets = 0;
    for (const pc of connections) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((report: { type: string; kind?: string; packetsReceived?: number }) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') packets += report.packetsReceived ?? 0;
      });
    }
    return packets;
  });
}

export async function expectRegistered(page: Page): Promise<void> {
  await expect(page.getByTestId('registration-lamp')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('registration-label')).toHaveText('通話可能');
}

export async function dial(page: Page, number: string): Promise<void> {
  await page.getByTestId('dial-input').fill(number);
  await page.getByTestId('call-button').click();
}

/** First lines of the SIP requests the page has sent (instrumented by bridge-init). */
export function sentSipRequests(page: Page, method: string): Promise<number> {
  return page.evaluate((m) => (window as unknown as { __sipSent: string[] }).__sipSent.filter((line) => line.startsWith(`${m} `)).length, method);
}
