import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppFile, resolveAppFile } from '../../../src-main/window/app-files';
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  isPermissionAllowed,
  isSafeExternalUrl,
  originOf,
} from '../../../src-main/window/security-policy';
import { makeTempDir } from '../../support/temp-dir';

describe('content security policy', () => {
  it('allows scripts only from our origin and the network only to the SIP server', () => {
    const csp = contentSecurityPolicy(['wss://pbx.example.jp:7443/ws?x=1']);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toMatchObject({
      'default-src': "'none'",
      'script-src': "'self'",
      'connect-src': 'wss://pbx.example.jp:7443',
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('allows no network at all before an account is configured, and ignores non-WebSocket URLs', () => {
    expect(contentSecurityPolicy([])).toContain("connect-src 'none'");
    expect(contentSecurityPolicy(['https://evil.example', 'javascript:alert(1)'])).toContain("connect-src 'none'");
  });
});

describe('permissions', () => {
  it('grants microphone and notifications to our page only', () => {
    expect(isPermissionAllowed({ permission: 'media', origin: APP_ORIGIN, mediaTypes: ['audio'] })).toBe(true);
    expect(isPermissionAllowed({ permission: 'notifications', origin: APP_ORIGIN })).toBe(true);
    // Choosing the speaker and ringer outputs (setSinkId).
    expect(isPermissionAllowed({ permission: 'speaker-selection', origin: APP_ORIGIN })).toBe(true);
    expect(isPermissionAllowed({ permission: 'speaker-selection', origin: 'https://evil.example' })).toBe(false);
    expect(isPermissionAllowed({ permission: 'media', origin: 'https://evil.example', mediaTypes: ['audio'] })).toBe(false);
  });

  it('refuses camera, screen capture and everything a phone does not need', () => {
    expect(isPermissionAllowed({ permission: 'media', origin: APP_ORIGIN, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(isPermissionAllowed({ permission: 'media', origin: APP_ORIGIN, mediaTypes: [] })).toBe(false);
    expect(isPermissionAllowed({ permission: 'media', origin: APP_ORIGIN })).toBe(false);
    for (const permission of ['display-capture', 'geolocation', 'clipboard-read', 'hid', 'usb', 'serial', 'midi', 'openExternal', 'unknown']) {
      expect(isPermissionAllowed({ permission, origin: APP_ORIGIN })).toBe(false);
    }
  });

  it('derives origins of our custom scheme correctly', () => {
    expect(originOf('app://tsunagu/index.html')).toBe(APP_ORIGIN);
    expect(originOf('http://127.0.0.1:4000/x')).toBe('http://127.0.0.1:4000');
    expect(originOf('not a url')).toBe('');
  });
});

describe('external links', () => {
  it('opens only plain https URLs', () => {
    expect(isSafeExternalUrl('https://crm.example.jp/customer?tel=0312345678')).toBe(true);
    for (const url of ['http://example.jp', 'file:///C:/Windows/System32/calc.exe', 'smb://host/share', 'javascript:alert(1)', 'https://u:p@example.jp', 'ms-msdt:/id', `https://e.jp/${'a'.repeat(3000)}`]) {
      expect(isSafeExternalUrl(url)).toBe(false);
    }
  });
});

describe('serving the UI files', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
    mkdirSync(join(temp.dir, 'ui', 'assets'), { recursive: true });
    writeFileSync(join(temp.dir, 'ui', 'index.html'), '<html></html>');
    writeFileSync(join(temp.dir, 'secret.txt'), 'secret');
  });
  afterEach(() => temp.cleanup());

  it('never resolves outside the renderer folder', () => {
    const root = join(temp.dir, 'ui');
    expect(resolveAppFile(root, '/')).toBe(join(root, 'index.html'));
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2F..%2Fsecret.txt', '/a%5c..%5c..%5csecret.txt', '/%00', '/%E0%A4%A']) {
      const resolved = resolveAppFile(root, path);
      expect(resolved === null || resolved.startsWith(root)).toBe(true);
    }
  });

  it('answers with the CSP header and 404 for unknown or untyped files', async () => {
    const root = join(temp.dir, 'ui');
    const ok = await readAppFile(root, '/index.html', "default-src 'none'");
    expect(ok).toMatchObject({ status: 200, headers: { 'Content-Security-Policy': "default-src 'none'", 'Content-Type': 'text/html; charset=utf-8' } });
    expect((await readAppFile(root, '/missing.js', 'x')).status).toBe(404);
    expect((await readAppFile(root, '/../secret.txt', 'x')).status).toBe(404);
  });
});
