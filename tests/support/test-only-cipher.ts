import type { SecretCipher } from '../../src-main/settings/settings-service';

/**
 * TEST ONLY — a stand-in for Electron's safeStorage in Node tests, where no OS keychain exists.
 * It is a reversible byte scramble with a marker, NOT encryption. It exists so tests can prove
 * that the settings file never holds a password in clear and that decryption round-trips.
 * It must never be imported by src-* code (lint forbids it).
 */
export function createTestOnlyCipher(options: { available?: boolean } = {}): SecretCipher {
  const MARK = Buffer.from('TEST-ONLY-NOT-ENCRYPTION:');
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString(plain: string): Buffer {
      const bytes = Buffer.from(plain, 'utf8').map((b, i) => b ^ (0x5a + (i % 7)));
      return Buffer.concat([MARK, bytes]);
    },
    decryptString(encrypted: Buffer): string {
      if (!encrypted.subarray(0, MARK.length).equals(MARK)) throw new Error('not produced by the test cipher');
      const bytes = encrypted.subarray(MARK.length).map((b, i) => b ^ (0x5a + (i % 7)));
      return Buffer.from(bytes).toString('utf8');
    },
  };
}
