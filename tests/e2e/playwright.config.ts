import { defineConfig } from '@playwright/test';

/** Chromium flags for WebRTC tests on loopback (see tests/lab/README and the lab recipe). */
export const CHROMIUM_ARGS = [
  // Fake microphone and speakers, and no permission prompt: Chromium plays a test tone as the mic.
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // WebRTC skips 127.0.0.1 for ICE unless told; the tests run in a netns with only `lo`.
  '--allow-loopback-in-peer-connection',
  // mDNS (.local) host candidates would not resolve inside the namespace.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
  // No background requests to Google services: the network is closed and they only add noise.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]',
];

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // Two cores and several Chromium contexts per test: one worker keeps timings honest.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: '../../test-results',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download is not available here.
      executablePath: process.env.TSUNAGU_CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
    trace: 'retain-on-failure',
  },
});
