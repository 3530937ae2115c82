import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../support/log';

export interface AutoUpdateDeps {
  isPackaged: boolean;
  resourcesPath: string;
  /** Loads electron-updater only when needed: it is never imported unless a feed exists. */
  loadUpdater(): Promise<{ checkForUpdatesAndNotify(): Promise<unknown> }>;
  log: Logger;
}

/**
 * Auto-update is wired but off unless the build was given a feed: electron-builder writes
 * resources/app-update.yml only when `publish` is configured. Offices that deploy through their
 * own software distribution get no surprise network traffic and no self-replacing binary.
 * Returns whether a check was started.
 */
export async function startAutoUpdate(deps: AutoUpdateDeps): Promise<boolean> {
  if (!deps.isPackaged || !existsSync(join(deps.resourcesPath, 'app-update.yml'))) {
    deps.log.info('auto-update off: no update feed configured');
    return false;
  }
  try {
    const updater = await deps.loadUpdater();
    await updater.checkForUpdatesAndNotify();
  } catch (error) {
    // An update server that is down must never stop the phone from working.
    deps.log.warn(`update check failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return true;
}
