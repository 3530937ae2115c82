// Proves the Kamailio lab harness against the real server (Kamailio 5.6 from Debian):
// start on free ports, SIP-over-WebSocket REGISTER with digest auth, usrloc lookup,
// stop/start on the same ports, kill, dispose.
//
//   npx vitest run tests/lab/
//   tests/lab/in-loopback-netns.sh npx vitest run tests/lab/

import { existsSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startKamailio, type KamailioLab } from './kamailio';
import { SipWsClient, parseDigestChallenge, register } from './sip-ws-client';

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

/** Resolves when connecting fails; rejects if a WebSocket could be opened. */
async function expectWsRefused(url: string): Promise<void> {
  let client: SipWsClient | undefined;
  try {
    client = await SipWsClient.connect(url, 2000);
  } catch {
    return;
  }
  await client.close();
  throw new Error(`WebSocket to ${url} unexpectedly succeeded`);
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Kamailio lab harness', () => {
  let lab: KamailioLab;
  const others: KamailioLab[] = [];
  const timings: Record<string, number> = {};

  beforeEach((ctx) => {
    // On failure, show what Kamailio said.
    ctx.onTestFailed(() => {
      if (lab) console.error(`--- Kamailio log tail (${lab.dir}) ---\n${lab.log().split('\n').slice(-60).join('\n')}`);
    });
  });

  afterAll(async () => {
    await lab?.dispose();
    for (const o of others) await o.dispose();
    console.info(`lab timings (ms): ${JSON.stringify(timings)}`);
  });

  it('starts on free loopback ports in a temp folder', async () => {
    const t0 = performance.now();
    lab = await startKamailio();
    timings.startKamailio = elapsed(t0);

    expect(lab.domain).toBe('lab.test');
    expect(lab.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(lab.sipPort).toBeGreaterThan(0);
    expect(lab.wsUrl).not.toBe(`ws://127.0.0.1:${lab.sipPort}`);
    expect(lab.users.map((u) => u.user)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009']);
    expect(lab.users[0]).toEqual({ user: '1001', password: 'pass1001' });
    expect(lab.isRunning()).toBe(true);
    expect(existsSync(`${lab.dir}/kamailio.cfg`)).toBe(true);
    expect(existsSync(`${lab.dir}/kamailio.sqlite`)).toBe(true);
    expect(lab.log()).toContain('Listening on');
    // "well under 1 s" on this box; generous bound against a slow CI machine.
    expect(timings.startKamailio).toBeLessThan(3000);
  });

  it('challenges a REGISTER without credentials with 401 realm="lab.test", accepts the digest answer', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      const { challenge, final } = await register(client, { user: '1001', password: 'pass1001', domain: lab.domain });
      expect(challenge.startLine).toMatch(/^SIP\/2\.0 401 /);
      const www = challenge.header('www-authenticate') ?? '';
      expect(www).toContain('realm="lab.test"');
      expect(parseDigestChallenge(www).qop).toContain('auth'); // the cfg offers qop=auth

      expect(final.startLine).toMatch(/^SIP\/2\.0 200 /);
      const contacts = await lab.lookup('1001');
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatch(/^sip:[^@]+@[a-z0-9]+\.invalid;transport=ws$/);
      expect(await lab.lookup('1002')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('rejects a wrong password with 401/403 and registers nothing', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      const { challenge, final } = await register(client, { user: '1002', password: 'wrong', domain: lab.domain });
      expect(challenge.status).toBe(401);
      expect([401, 403]).toContain(final.status);
      expect(await lab.lookup('1002')).toEqual([]);
      // An unknown user gets no further either.
      const unknown = await register(client, { user: '4242', password: 'pass4242', domain: lab.domain });
      expect([401, 403, 404]).toContain(unknown.final.status);
    } finally {
      await client.close();
    }
  });

  it('drops the contact when its WebSocket closes (usrloc handle_lost_tcp)', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    const { final } = await register(client, { user: '1003', password: 'pass1003', domain: lab.domain });
    expect(final.status).toBe(200);
    expect(await lab.lookup('1003')).toHaveLength(1);
    await client.close();
    const t0 = performance.now();
    expect(await waitUntil(async () => (await lab.lookup('1003')).length === 0, 3000)).toBe(true);
    timings.lostTcpRemoval = elapsed(t0);
  });

  it('stop() closes the WebSocket port; start() comes back on the same ports', async () => {
    const { wsUrl, sipPort } = lab;
    let t0 = performance.now();
    await lab.stop();
    timings.stop = elapsed(t0);
    expect(lab.isRunning()).toBe(false);
    await expectWsRefused(wsUrl);

    t0 = performance.now();
    await lab.start();
    timings.restart = elapsed(t0);
    expect(lab.isRunning()).toBe(true);
    expect(lab.wsUrl).toBe(wsUrl);
    expect(lab.sipPort).toBe(sipPort);
    expect(lab.log().match(/===== tsunagu lab: start #/g)).toHaveLength(2);

    // usrloc is in memory: the restart forgot 1001; it can register again.
    expect(await lab.lookup('1001')).toEqual([]);
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      const { final } = await register(client, { user: '1001', password: 'pass1001', domain: lab.domain });
      expect(final.status).toBe(200);
      expect(await lab.lookup('1001')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('kill() takes down every Kamailio process (port closed), start() recovers', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    let t0 = performance.now();
    await lab.kill();
    timings.kill = elapsed(t0);
    expect(lab.isRunning()).toBe(false);
    // The WS connection was served by a worker; it must be gone with the main process.
    await expect(client.waitFor(() => false, 2000)).rejects.toThrow(/closed/);
    await expectWsRefused(lab.wsUrl);

    t0 = performance.now();
    await lab.start();
    timings.restartAfterKill = elapsed(t0);
    const again = await SipWsClient.connect(lab.wsUrl);
    try {
      const { final } = await register(again, { user: '1004', password: 'pass1004', domain: lab.domain });
      expect(final.status).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('runs a second, independent lab with its own domain and users', async () => {
    const other = await startKamailio({ domain: 'other.test', users: [{ user: 'alice', password: 's3cret' }] });
    others.push(other);
    expect(other.wsUrl).not.toBe(lab.wsUrl);
    expect(other.dir).not.toBe(lab.dir);
    const client = await SipWsClient.connect(other.wsUrl);
    try {
      const { challenge, final } = await register(client, { user: 'alice', password: 's3cret', domain: 'other.test' });
      expect(challenge.header('www-authenticate')).toContain('realm="other.test"');
      expect(final.status).toBe(200);
      expect(await other.lookup('alice')).toHaveLength(1);
      expect(await lab.lookup('alice')).toEqual([]);
    } finally {
      await client.close();
    }
    await expect(startKamailio({ domain: '127.0.0.1' })).rejects.toThrow(/domain/);
  });

  it('dispose() stops Kamailio and removes the temp folder', async () => {
    const { dir, wsUrl } = lab;
    const t0 = performance.now();
    await lab.dispose();
    timings.dispose = elapsed(t0);
    expect(lab.isRunning()).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expectWsRefused(wsUrl);
    expect(lab.log()).toContain('Listening on'); // still available after the folder is gone
    await lab.dispose(); // idempotent
    await expect(lab.start()).rejects.toThrow(/dispose/);
  });
});
