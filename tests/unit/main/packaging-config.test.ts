import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
// electron-builder's own validation (the same check `electron-builder` runs before packaging).
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';

const ROOT = join(import.meta.dirname, '../../..');
const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'));

describe('electron-builder.yml', () => {
  it('passes electron-builder’s schema validation', async () => {
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined } as never)).resolves.toBeUndefined();
  });

  it('sets every security fuse explicitly', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('unpacks the native SQLite module, declares the call-link schemes and the microphone', () => {
    expect(config.asarUnpack).toContain('node_modules/better-sqlite3/**');
    expect(config.protocols[0].schemes).toEqual(['tel', 'callto', 'sip', 'sips', 'tsunagu']);
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/マイク/);
    expect(readFileSync(join(ROOT, config.mac.entitlements), 'utf8')).toContain('com.apple.security.device.audio-input');
  });

  it('registers call links on every platform: NSIS include, Linux scheme handlers, tray icons shipped', () => {
    expect(config.nsis.include).toBe('assets/installer.nsh');
    expect(readFileSync(join(ROOT, config.nsis.include), 'utf8')).toContain('URLAssociations');
    expect(config.linux.mimeTypes).toEqual(config.protocols[0].schemes.map((s: string) => `x-scheme-handler/${s}`));
    expect(config.extraResources).toContainEqual({ from: 'assets/tray', to: 'tray', filter: ['*.png'] });
    expect(config.nsis).toMatchObject({ oneClick: false, allowToChangeInstallationDirectory: true, createDesktopShortcut: 'always', createStartMenuShortcut: true, license: 'assets/license.txt' });
  });

  it('ships only the built app, whose entry point is the built main bundle', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(config.files).toEqual(['out/**', 'package.json']);
    expect(pkg.main).toBe('out/main/index.js');
  });
});
