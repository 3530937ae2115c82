import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAutoUpdate } from '../../../src-main/update/auto-update';
import { quietLog } from '../../support/main-services';
import { makeTempDir } from '../../support/temp-dir';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

describe('auto-update', () => {
  it('stays off without a configured feed, and in development', async () => {
    const loadUpdater = vi.fn();
    expect(await startAutoUpdate({ isPackaged: true, resourcesPath: temp.dir, loadUpdater, log: quietLog })).toBe(false);
    writeFileSync(join(temp.dir, 'app-update.yml'), 'provider: generic\nurl: https://updates.example.jp/\n');
    expect(await startAutoUpdate({ isPackaged: false, resourcesPath: temp.dir, loadUpdater, log: quietLog })).toBe(false);
    expect(loadUpdater).not.toHaveBeenCalled();
  });

  it('checks when the build carries a feed, and survives a dead update server', async () => {
    writeFileSync(join(temp.dir, 'app-update.yml'), 'provider: generic\nurl: https://updates.example.jp/\n');
    const checkForUpdatesAndNotify = vi.fn(async () => {
      throw new Error('ECONNREFUSED');
    });
    const warn = vi.fn();
    expect(await startAutoUpdate({ isPackaged: true, resourcesPath: temp.dir, loadUpdater: async () => ({ checkForUpdatesAndNotify }), log: { ...quietLog, warn } })).toBe(true);
    expect(checkForUpdatesAndNotify).toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('update check failed: ECONNREFUSED');
  });
});
