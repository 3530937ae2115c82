import Conf from 'conf';
import { createMainServices, SETTINGS_FILE_NAME, type MainServices, type MainServicesDeps } from '../../src-main/app/main-services';
import { createRecordingDesktop } from './recording-desktop';
import { createTestOnlyCipher } from './test-only-cipher';

export const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** conf is the engine inside electron-store: the same file format, usable outside Electron. */
export function openConfDocument(dir: string) {
  return () => new Conf<Record<string, unknown>>({ cwd: dir, configName: SETTINGS_FILE_NAME.replace(/\.json$/, ''), projectName: 'tsunagu' });
}

/** The app's main services on a temp folder, with test stand-ins only where Electron would be. */
export function createTestMainServices(dir: string, overrides: Partial<MainServicesDeps> = {}): MainServices {
  return createMainServices({
    userDataDir: dir,
    openSettingsDocument: openConfDocument(dir),
    cipher: createTestOnlyCipher(),
    secretBackend: 'test',
    systemLocale: 'ja-JP',
    trustedOrigin: 'app://tsunagu',
    clock: { now: () => 1_000 },
    log: quietLog,
    desktop: createRecordingDesktop().ports,
    platform: 'linux',
    ...overrides,
  });
}
