import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MainServices } from '../../../src-main/app/main-services';
import { invokeChannels } from '../../../src-preload/contract';
import { createTestMainServices } from '../../support/main-services';
import { makeTempDir } from '../../support/temp-dir';

const OWN = { url: 'app://tsunagu/index.html', isMainFrame: true };
let temp: ReturnType<typeof makeTempDir>;
let services: MainServices;

beforeEach(() => {
  temp = makeTempDir();
  services = createTestMainServices(temp.dir);
});
afterEach(() => {
  services.close();
  temp.cleanup();
});

describe('IPC dispatcher', () => {
  it('refuses channels outside the contract', async () => {
    expect(await services.dispatch('tsunagu:fs:read', '/etc/passwd', OWN)).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it.each(invokeChannels)('%s refuses foreign senders: other origins, subframes, unparsable URLs', async (channel) => {
    for (const sender of [
      { url: 'https://evil.example/', isMainFrame: true },
      { url: 'app://tsunagu/index.html', isMainFrame: false },
      { url: 'app://tsunagu.evil/index.html', isMainFrame: true },
      { url: 'file:///tmp/x.html', isMainFrame: true },
      { url: '', isMainFrame: true },
    ]) {
      expect(await services.dispatch(channel, undefined, sender)).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    }
  });

  // A generated bad payload for every channel: wrong type entirely, and an object with an extra key.
  it.each(invokeChannels)('%s refuses malformed payloads with a structured error', async (channel) => {
    for (const bad of [42, 'x'.repeat(10_000), { __proto__: { polluted: true }, extra: 1 }, [null]]) {
      const result = await services.dispatch(channel, bad, OWN);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('invalid-payload');
    }
  });

  it('rejects an account with a clear, translatable reason per field', async () => {
    const result = await services.dispatch(
      'tsunagu:settings:save-account',
      {
        account: {
          user: '10 01',
          authorizationUser: '',
          domain: 'lab.test',
          wsServer: 'ws://pbx.example.jp',
          outboundProxy: '',
          displayName: 'a\u0007b',
          serviceCode: '',
        },
        password: 'x',
      },
      OWN,
    );
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-payload',
        issues: expect.arrayContaining([
          { path: 'account.user', message: 'validation.sipUser' },
          { path: 'account.wsServer', message: 'validation.wsServer' },
          { path: 'account.displayName', message: 'validation.controlChars' },
        ]),
      },
    });
    expect(services.settings.view().accounts).toEqual([]);
  });

  it('stores the phone’s buttons, and refuses codes that are not dial strings, field by field', async () => {
    const defaults = services.settings.view().callButtons;
    expect(defaults.park).toHaveLength(6);
    const buttons = {
      ...defaults,
      lines: [{ label: '本社', prefix: '0', identity: '0312345678' }],
      oneTouch: [{ label: '受付', number: '1002' }],
      blf: [{ label: '佐藤', extension: '1003' }],
    };
    const ok = await services.dispatch('tsunagu:settings:set-call-buttons', buttons, OWN);
    expect(ok).toMatchObject({ ok: true, value: { callButtons: buttons } });

    const bad = await services.dispatch(
      'tsunagu:settings:set-call-buttons',
      { ...buttons, oneTouch: [{ label: '受付', number: '1002; rm -rf' }], park: buttons.park.slice(0, 5), voicemail: { ...buttons.voicemail, stop: '<script>' } },
      OWN,
    );
    expect(bad).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-payload',
        issues: expect.arrayContaining([
          { path: 'oneTouch.0.number', message: 'validation.dialCode' },
          { path: 'voicemail.stop', message: 'validation.dialCode' },
          expect.objectContaining({ path: 'park' }),
        ]),
      },
    });
    // Nothing of the bad request was kept.
    expect(services.settings.view().callButtons).toEqual(buttons);
  });

  it('accepts ws:// only on loopback and wss:// anywhere', async () => {
    const base = { user: '1001', authorizationUser: '', domain: 'lab.test', outboundProxy: '', displayName: '', serviceCode: '' };
    for (const [wsServer, ok] of [
      ['ws://127.0.0.1:5066', true],
      ['ws://localhost:8080/ws', true],
      ['wss://pbx.example.jp:7443/ws', true],
      ['ws://192.168.1.10:8080', false],
      ['https://pbx.example.jp', false],
      ['wss://user:pw@pbx.example.jp', false],
    ] as const) {
      const result = await services.dispatch('tsunagu:settings:save-account', { account: { ...base, wsServer } }, OWN);
      expect([wsServer, result.ok]).toEqual([wsServer, ok]);
    }
  });

  it('maps service errors to their code and bugs to internal', async () => {
    const missing = await services.dispatch('tsunagu:history:call-answered', { callId: '00000000-0000-4000-8000-000000000000' }, OWN);
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    services.close(); // the database is gone: a handler now throws an unexpected error
    const broken = await services.dispatch('tsunagu:history:list', { limit: 5 }, OWN);
    expect(broken).toEqual({ ok: false, error: { code: 'internal', message: 'internal error' } });
    temp.cleanup();
    temp = makeTempDir();
    services = createTestMainServices(temp.dir);
  });
});
