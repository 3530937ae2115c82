// Developer command: the real phone UI in a visible Chromium, with the real main-process
// services behind it (temp folder), wired exactly as the end-to-end tests wire them. This is
// how the UI is seen and used on Linux, where there is no Electron binary.
//
//   npm run phone:chromium -- [--lab] [--phones N] [--headless]
//     --lab       start a local Kamailio (users 1001–1009, password pass<user>) and configure the phones
//     --phones N  open N phones (default 1; with --lab they get 1001, 1002, …)
//
// Run it inside a loopback-only netns (tests/lab/in-loopback-netns.sh) if you want WebRTC to
// stay on 127.0.0.1; on a desktop with a real network it works as is.
import { chromium } from '@playwright/test';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS } from '../e2e/playwright.config';
import { openPhoneApp, type PhoneApp } from '../e2e/harness/phone-app';
import { startKamailio } from './kamailio';

const { values } = parseArgs({
  options: {
    lab: { type: 'boolean', default: false },
    phones: { type: 'string', default: '1' },
    headless: { type: 'boolean', default: false },
  },
});
const count = Math.max(1, Math.min(9, Number(values.phones) || 1));

const lab = values.lab ? await startKamailio() : null;
if (lab) console.log(`Kamailio on ${lab.wsUrl} (domain ${lab.domain}); users 1001–1009, password pass<user>`);

const browser = await chromium.launch({
  executablePath: process.env.TSUNAGU_CHROMIUM ?? '/usr/bin/chromium',
  headless: values.headless,
  args: CHROMIUM_ARGS.filter((arg) => !arg.startsWith('--use-fake-ui')).concat('--use-fake-ui-for-media-stream'),
});
const phones: PhoneApp[] = [];
for (let i = 0; i < count; i++) {
  const user = String(1001 + i);
  phones.push(
    await openPhoneApp(browser, {
      label: user,
      ...(lab
        ? {
            account: { user, authorizationUser: '', domain: lab.domain, wsServer: lab.wsUrl, outboundProxy: '', displayName: `内線 ${user}`, serviceCode: '' },
            password: `pass${user}`,
          }
        : {}),
    }),
  );
  console.log(`phone ${i + 1}: ${phones.at(-1)!.origin} (data in ${phones.at(-1)!.userDataDir})`);
}
console.log('Ctrl-C to stop.');

async function shutdown(): Promise<void> {
  for (const phone of phones) await phone.close().catch(() => undefined);
  await browser.close().catch(() => undefined);
  await lab?.dispose();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
