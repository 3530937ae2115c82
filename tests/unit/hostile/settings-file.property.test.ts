// Whatever is in settings.json — random bytes, truncated JSON, JSON of the wrong shape, hostile
// strings — the app starts: valid settings are used as they are, anything else is moved aside
// byte for byte (never deleted) and the app runs on defaults and says so.

import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS_FILE_NAME } from '../../../src-main/app/main-services';
import { openSettings } from '../../../src-main/settings/open-settings';
import { createSettingsService, StoredSettings } from '../../../src-main/settings/settings-service';
import { openConfDocument, quietLog } from '../../support/main-services';
import { makeTempDir } from '../../support/temp-dir';
import { createTestOnlyCipher } from '../../support/test-only-cipher';

const validAccount = { user: '1001', authorizationUser: '', domain: 'lab.test', wsServer: 'wss://pbx.example.jp/ws', outboundProxy: '', displayName: '山田', serviceCode: '' };

/** Settings-shaped JSON with hostile values where strings go. */
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom('<script>alert(1)</script>', '\u202Eevil', 'a\u0000b', '"}]', '__proto__', 'x'.repeat(100_000), 'wss://ok.example/\u0007'),
);
const settingsLike = fc.record(
  {
    account: fc.oneof(fc.constant(null), fc.constant(validAccount), fc.record({ user: hostileString, domain: hostileString, wsServer: hostileString })),
    language: fc.oneof(fc.constantFrom('system', 'ja', 'en'), hostileString),
    secrets: fc.oneof(fc.constant({}), fc.record({ sipPassword: hostileString })),
    desktop: fc.oneof(fc.constant(undefined), fc.object()),
    webPhonebook: fc.oneof(fc.constant(undefined), fc.record({ enabled: fc.boolean(), server: hostileString, ssl: fc.boolean() })),
    __proto__: fc.oneof(fc.constant(undefined), fc.object()),
  },
  { requiredKeys: [] },
);
const fileContents = fc.oneof(
  settingsLike.map((value) => JSON.stringify(value)),
  settingsLike.chain((value) => {
    const text = JSON.stringify(value);
    return fc.nat({ max: text.length }).map((cut) => text.slice(0, cut));
  }),
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.json(),
);

describe('settings file: hostile contents', () => {
  it('never stops the app; valid settings are kept, anything else is set aside intact and defaults are used', () => {
    fc.assert(
      fc.property(fileContents, (contents) => {
        const temp = makeTempDir();
        try {
          const file = join(temp.dir, SETTINGS_FILE_NAME);
          writeFileSync(file, contents, 'latin1');
          const original = readFileSync(file);
          let valid = false;
          try {
            valid = StoredSettings.safeParse(JSON.parse(original.toString('utf8'))).success;
          } catch {
            valid = false;
          }
          const opened = openSettings(file, openConfDocument(temp.dir), () => 7);
          const settings = createSettingsService({ document: opened.document, cipher: createTestOnlyCipher(), secretBackend: 'test', systemLocale: 'ja-JP', recoveredFromCorruptFile: opened.setAsidePath !== null, log: quietLog });
          const view = settings.view();
          if (valid) {
            expect(opened.setAsidePath).toBeNull();
            expect(view.recoveredFromCorruptFile).toBe(false);
          } else {
            // Nothing lost: the bad file is where the user is told it is, byte for byte.
            expect(opened.setAsidePath).toBe(`${file}.corrupt-7`);
            expect(readFileSync(opened.setAsidePath!)).toEqual(original);
            expect(view).toMatchObject({ accounts: [], recoveredFromCorruptFile: true, language: 'system' });
          }
          // And the app can go on using (and saving) its settings.
          settings.setLanguage('ja');
          expect(existsSync(file)).toBe(true);
          expect(readdirSync(temp.dir).filter((f) => f.includes('.corrupt-')).length).toBe(valid ? 0 : 1);
        } finally {
          temp.cleanup();
        }
      }),
      { numRuns: 150 },
    );
  });
});
