// Discovery and the 接続 button (testConnection) against a real Radicale (plain HTTP and TLS
// with a self-signed certificate), a closed port, a name that does not resolve, and web
// servers that are not CardDAV servers.

import http from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCardDavClient, type RequestInfo } from '../../../src-main/webphonebook/carddav-client';
import { createWebPhonebookService } from '../../../src-main/webphonebook/web-phonebook-service';
import { startRadicale, type RadicaleLab } from '../../lab/radicale';
import { openCacheDb, quietLog } from './helpers';

let lab: RadicaleLab;
let tlsLab: RadicaleLab;
let web: http.Server;
let webHost: string;
let cache: ReturnType<typeof openCacheDb>;
let service: ReturnType<typeof createWebPhonebookService>;

/** A closed loopback port: bound, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  [lab, tlsLab] = await Promise.all([startRadicale(), startRadicale({ tls: true, users: [{ user: 'carol', password: 'carolpass' }] })]);
  // A web server that is not a CardDAV server: an HTML page for everything, and a redirect to
  // another server under /moved/.
  web = http.createServer((req, res) => {
    req.resume();
    if (req.url?.startsWith('/moved')) {
      res.writeHead(301, { location: 'http://127.0.0.2:8080/dav/' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><body><h1>It works!</h1></body></html>');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webHost = `127.0.0.1:${(web.address() as AddressInfo).port}`;
  cache = openCacheDb();
  service = createWebPhonebookService({ db: cache.db, clock: { now: () => 1 }, log: quietLog, clientOptions: { timeoutMs: 5000 } });
}, 30_000);

afterAll(async () => {
  cache?.cleanup();
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  await Promise.all([lab?.dispose(), tlsLab?.dispose()]);
});

const alice = () => ({ server: lab.host, ssl: false, user: 'alice', password: 'alicepass' });

describe('discovery', () => {
  it('follows /.well-known/carddav → current-user-principal → addressbook-home-set → the address books', async () => {
    const requests: RequestInfo[] = [];
    const client = createCardDavClient(alice(), { onRequest: (r) => requests.push(r) });
    try {
      const found = await client.discover();
      expect(found.principalUrl).toBe(`${lab.baseUrl}/alice/`);
      expect(found.homeUrls).toEqual([`${lab.baseUrl}/alice/`]);
      expect(found.addressBooks).toEqual([
        { url: `${lab.baseUrl}/alice/contacts/`, href: '/alice/contacts/', displayName: 'alice contacts', ctag: null, syncToken: null, supportsSync: true },
      ]);
      // Radicale redirects the well-known URL to /; the redirect was followed on the same server.
      expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'PROPFIND /.well-known/carddav 301',
        'PROPFIND / 207',
        'PROPFIND /alice/ 207',
        'PROPFIND /alice/ 207',
      ]);
    } finally {
      client.close();
    }
  });

  it('takes an address book URL typed in the server field as the address book', async () => {
    const client = createCardDavClient({ ...alice(), server: `${lab.host}/alice/contacts/` });
    try {
      expect((await client.discover()).addressBooks.map((b) => b.href)).toEqual(['/alice/contacts/']);
    } finally {
      client.close();
    }
  });

  it("a user sees only their own books (Radicale owner_only), and one without any is told so", async () => {
    expect(await service.testConnection({ server: lab.host, ssl: false, user: 'bob', password: 'bobpass' })).toMatchObject({ ok: true, addressBooks: [{ displayName: 'bob contacts' }] });
    const del = await lab.request('bob', 'DELETE', lab.addressBookPath('bob'));
    expect(del.status).toBe(200);
    expect(await service.testConnection({ server: lab.host, ssl: false, user: 'bob', password: 'bobpass' })).toMatchObject({
      ok: false,
      error: { code: 'not-carddav', reason: 'no-addressbook' },
    });
  });
});

describe('testConnection (接続)', () => {
  it('succeeds with the right password (認証に成功しました) and lists the address books', async () => {
    expect(await service.testConnection(alice())).toEqual({
      ok: true,
      addressBooks: [{ url: `${lab.baseUrl}/alice/contacts/`, displayName: 'alice contacts', supportsSync: true }],
    });
    // A scheme typed into the server field is accepted when it agrees with the SSL switch.
    expect((await service.testConnection({ ...alice(), server: `http://${lab.host}/` })).ok).toBe(true);
  });

  it('wrong password → auth (401)', async () => {
    expect(await service.testConnection({ ...alice(), password: 'wrong' })).toMatchObject({ ok: false, error: { code: 'auth', status: 401 } });
  });

  it('closed port → unreachable; a name that does not resolve → server-not-found', async () => {
    const port = await closedPort();
    expect(await service.testConnection({ ...alice(), server: `127.0.0.1:${port}` })).toMatchObject({ ok: false, error: { code: 'unreachable', reason: 'ECONNREFUSED' } });
    // DNS is answered by a stand-in resolver (as the OS resolver answers NXDOMAIN), so no
    // query leaves the machine.
    const nxdomain: LookupFunction = (hostname, _options, callback) => {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      process.nextTick(() => callback(err, '', 4));
    };
    const offline = createWebPhonebookService({ db: cache.db, clock: { now: () => 1 }, log: quietLog, clientOptions: { lookup: nxdomain } });
    expect(await offline.testConnection({ ...alice(), server: 'carddav.example.invalid' })).toMatchObject({
      ok: false,
      error: { code: 'server-not-found', reason: 'ENOTFOUND' },
    });
  });

  it('a web server that is not CardDAV → not-carddav; a redirect to another server is not followed', async () => {
    expect(await service.testConnection({ ...alice(), server: webHost })).toMatchObject({ ok: false, error: { code: 'not-carddav', reason: 'not-dav', status: 200 } });
    const moved = await service.testConnection({ ...alice(), server: `${webHost}/moved/` });
    expect(moved).toMatchObject({ ok: false, error: { code: 'not-carddav', reason: 'redirect-elsewhere' } });
    expect(moved.ok === false && moved.error.message).toContain('http://127.0.0.2:8080');
  });

  it('an address that cannot be a server, or a scheme that contradicts the SSL switch → invalid-config', async () => {
    for (const server of ['', 'host name with spaces', 'example.jp:99999', 'exa mple.jp/dav']) {
      expect(await service.testConnection({ ...alice(), server })).toMatchObject({ ok: false, error: { code: 'invalid-config' } });
    }
    expect(await service.testConnection({ ...alice(), server: `https://${lab.host}` })).toMatchObject({ ok: false, error: { code: 'invalid-config', reason: 'scheme-mismatch' } });
  });
});

describe('TLS', () => {
  const carol = () => ({ server: tlsLab.host, ssl: true, user: 'carol', password: 'carolpass' });

  it('a self-signed certificate is refused, and the error names the certificate', async () => {
    const result = await service.testConnection(carol());
    expect(result).toMatchObject({ ok: false, error: { code: 'tls', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    expect(result.ok === false && result.error.certificate?.subject).toContain('CN=Tsunagu Lab Radicale');
    expect(result.ok === false && result.error.certificate?.fingerprint256).toMatch(/^[0-9A-F:]{95}$/);
  });

  it('the same server is accepted with its certificate added for this server only', async () => {
    expect(await service.testConnection({ ...carol(), caCertPem: tlsLab.caCertPem! })).toMatchObject({ ok: true, addressBooks: [{ displayName: 'carol contacts' }] });
    // The extra CA is per client: the next connection without it is refused again.
    expect(await service.testConnection(carol())).toMatchObject({ ok: false, error: { code: 'tls' } });
  });

  it('SSL on against a plain HTTP server → tls (not-tls)', async () => {
    expect(await service.testConnection({ ...alice(), ssl: true })).toMatchObject({ ok: false, error: { code: 'tls', reason: 'not-tls' } });
  });
});
