import { join } from 'node:path';
import { openDatabase } from '../db/database';
import { createHistoryService } from '../history/history-service';
import { createDispatcher } from '../ipc/dispatcher';
import { createInvokeHandlers } from '../ipc/handlers';
import { openSettings } from '../settings/open-settings';
import { createSettingsService, type SecretCipher, type SettingsDocument } from '../settings/settings-service';
import type { Logger } from '../support/log';
import type { Clock } from '../support/service-error';

export const SETTINGS_FILE_NAME = 'settings.json';
export const DATABASE_FILE_NAME = 'tsunagu.sqlite';

export interface MainServicesDeps {
  userDataDir: string;
  /** electron-store in the app; conf (the same engine) in Node tests. Must use SETTINGS_FILE_NAME. */
  openSettingsDocument: () => SettingsDocument;
  cipher: SecretCipher;
  secretBackend: string;
  systemLocale: string;
  /** Origin of our own page; only its main frame may call the bridge. */
  trustedOrigin: string;
  clock: Clock;
  log: Logger;
}

/**
 * Every main-process service, wired, without any Electron object. The Electron entry point and
 * the end-to-end harness both build the app from this one function, so the tests exercise the
 * same services and the same dispatcher the user runs.
 */
export function createMainServices(deps: MainServicesDeps) {
  const opened = openSettings(join(deps.userDataDir, SETTINGS_FILE_NAME), deps.openSettingsDocument, () => deps.clock.now());
  if (opened.setAsidePath) deps.log.warn(`settings file was unreadable; kept as ${opened.setAsidePath}`);
  const settings = createSettingsService({
    document: opened.document,
    cipher: deps.cipher,
    secretBackend: deps.secretBackend,
    systemLocale: deps.systemLocale,
    recoveredFromCorruptFile: opened.setAsidePath !== null,
    log: deps.log,
  });

  const db = openDatabase(join(deps.userDataDir, DATABASE_FILE_NAME));
  const history = createHistoryService(db, deps.clock);
  const interrupted = history.markInterruptedCalls();
  if (interrupted > 0) deps.log.warn(`${interrupted} call(s) were open when the app last stopped; marked interrupted`);

  const dispatch = createDispatcher({
    handlers: createInvokeHandlers({ settings, history }),
    trustedOrigin: deps.trustedOrigin,
    log: deps.log,
  });

  return {
    settings,
    history,
    dispatch,
    close(): void {
      db.close();
    },
  };
}

export type MainServices = ReturnType<typeof createMainServices>;
