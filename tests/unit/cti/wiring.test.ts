// The CTI pieces as the app wires them (main-services.ts), driven through the real dispatcher
// the page talks to: the settings channel turns CTI on, history channels record calls, and the
// CTI channels, the browser and a real webhook receiver see the result.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MainServices } from '../../../src-main/app/main-services';
import { DEFAULT_CTI, type CtiSettings } from '../../../src-preload/contract';
import { createTestMainServices } from '../../support/main-services';
import { createRecordingDesktop } from '../../support/recording-desktop';
import { makeTempDir } from '../../support/temp-dir';
import { id, startReceiver, type Receiver } from './support';

const OWN = { url: 'app://tsunagu/index.html', isMainFrame: true };
let temp: ReturnType<typeof makeTempDir>;
let desktop: ReturnType<typeof createRecordingDesktop>;
let services: MainServices;
let receiver: Receiver;
let now = 1_000;

beforeEach(async () => {
  temp = makeTempDir('tsunagu-cti-wiring-');
  desktop = createRecordingDesktop();
  receiver = await startReceiver();
  services = createTestMainServices(temp.dir, { desktop: desktop.ports, clock: { now: () => now } });
});
afterEach(async () => {
  services.close();
  await receiver.close();
  temp.cleanup();
});

async function ok(channel: string, payload: unknown): Promise<unknown> {
  const result = await services.dispatch(channel, payload, OWN);
  if (!result.ok) throw new Error(`${channel}: ${JSON.stringify(result.error)}`);
  return result.value;
}

describe('CTI as wired in main-services', () => {
  it('前回通話, a CTI button and a webhook, end to end through the bridge', async () => {
    const cti: CtiSettings = {
      ...DEFAULT_CTI,
      enabled: true,
      urls: { ...DEFAULT_CTI.urls, reception: 'https://crm.example.jp/reception?tel={number}&name={name}' },
      webhooks: { ...DEFAULT_CTI.webhooks, ring: `http://127.0.0.1:${receiver.port}/hooks/ring?n={number}` },
    };
    await ok('tsunagu:settings:set-cti', cti);

    await ok('tsunagu:history:call-started', { callId: id(1), direction: 'incoming', remoteNumber: '03-1234-5678', remoteName: null, localAccount: '1001@pbx.example.jp', sipCallId: null });
    now += 20_000;
    await ok('tsunagu:history:call-ended', { callId: id(1), outcome: 'missed', reason: 'cancel' });
    now += 60_000;
    await ok('tsunagu:history:call-started', { callId: id(2), direction: 'incoming', remoteNumber: 'sip:+81312345678@gw', remoteName: '山田', localAccount: '1001@pbx.example.jp', sipCallId: null });

    expect(await ok('tsunagu:cti:last-call', { number: 'sip:+81312345678@gw', exceptCallId: id(2) })).toEqual({
      startedAt: 1_000,
      direction: 'incoming',
      kind: 'missed',
      localAccount: '1001@pbx.example.jp',
      durationSec: null,
    });

    const call = { callId: id(2), number: '+81312345678', name: '山田 & 佐藤', called: '1001@pbx.example.jp', line: '代表', direction: 'incoming' };
    expect(await ok('tsunagu:cti:open', { button: 'reception', call })).toEqual({ opened: true });
    expect(await ok('tsunagu:cti:open', { button: 'customerList', call })).toEqual({ opened: false });
    expect(desktop.opened).toEqual(['https://crm.example.jp/reception?tel=%2B81312345678&name=%E5%B1%B1%E7%94%B0%20%26%20%E4%BD%90%E8%97%A4']);

    await services.webhooks.whenIdle();
    expect(receiver.posts.map((p) => [p.key, p.url])).toEqual([
      [`${id(1)}:ring`, '/hooks/ring?n=03-1234-5678'],
      [`${id(2)}:ring`, '/hooks/ring?n=sip%3A%2B81312345678%40gw'],
    ]);
    expect(services.webhooks.pending()).toBe(0);
  });
});
