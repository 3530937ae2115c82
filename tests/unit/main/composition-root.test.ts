import { describe, expect, it, vi } from 'vitest';
import { invokeChannels } from '../../../src-preload/contract';
import { makeTempDir } from '../../support/temp-dir';
import { createTestOnlyCipher } from '../../support/test-only-cipher';

// The composition root with `electron` mocked: it must take the single-instance lock, register
// our scheme before ready, wire every channel, lock permissions down, and load our page in a
// window built from the secure options. Everything it composes is tested on its own elsewhere.
const temp = makeTempDir();
const calls: string[] = [];
const handled: string[] = [];
const windows: { options: unknown; url?: string }[] = [];
let readyResolve: () => void = () => undefined;

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = { send: vi.fn() };
    constructor(readonly options: unknown) {
      windows.push({ options });
    }
    once() {}
    isDestroyed() {
      return false;
    }
    async loadURL(url: string) {
      windows.at(-1)!.url = url;
    }
  }
  const protocol = {
    registerSchemesAsPrivileged: vi.fn(() => calls.push('registerScheme')),
    handle: vi.fn(() => calls.push('protocol.handle')),
  };
  return {
    app: {
      requestSingleInstanceLock: vi.fn(() => (calls.push('lock'), true)),
      on: vi.fn(),
      quit: vi.fn(),
      exit: vi.fn(),
      whenReady: () => new Promise<void>((resolve) => (readyResolve = resolve)),
      getPath: () => temp.dir,
      getLocale: () => 'ja-JP',
    },
    BrowserWindow,
    dialog: { showErrorBox: vi.fn() },
    ipcMain: { handle: (channel: string) => handled.push(channel), removeHandler: vi.fn() },
    protocol,
    safeStorage: { ...createTestOnlyCipher(), getSelectedStorageBackend: () => 'basic_text' },
    session: {
      defaultSession: {
        protocol,
        setPermissionRequestHandler: vi.fn(() => calls.push('permissionRequest')),
        setPermissionCheckHandler: vi.fn(() => calls.push('permissionCheck')),
      },
    },
    shell: { openExternal: vi.fn() },
  };
});

vi.mock('electron-store', async () => {
  const { default: Conf } = await import('conf');
  return {
    default: class extends Conf<Record<string, unknown>> {
      constructor(options: { name: string }) {
        super({ cwd: temp.dir, configName: options.name, projectName: 'tsunagu' });
      }
    },
  };
});

describe('src-main/index.ts', () => {
  it('composes the app in the right order with the secure defaults', async () => {
    await import('../../../src-main/index');
    expect(calls.slice(0, 2)).toEqual(['registerScheme', 'lock']);
    readyResolve();
    await vi.waitFor(() => expect(windows[0]?.url).toBe('app://tsunagu/index.html'));
    expect(handled.sort()).toEqual([...invokeChannels].sort());
    expect(calls).toEqual(expect.arrayContaining(['permissionRequest', 'permissionCheck', 'protocol.handle']));
    expect(windows[0]!.options).toMatchObject({ webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false } });
    temp.cleanup();
  });
});
