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
const handlerFns = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
const windows: { options: unknown; url?: string }[] = [];
const appListeners = new Map<string, (...args: unknown[]) => void>();
const sentToPage: unknown[][] = [];
const protocolClients: unknown[][] = [];
let readyResolve: () => void = () => undefined;
const powerListeners = new Map<string, () => void>();

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = { send: (...args: unknown[]) => sentToPage.push(args), on: vi.fn(), isDestroyed: () => false };
    constructor(readonly options: unknown) {
      windows.push({ options });
    }
    once() {}
    on() {}
    show() {}
    focus() {}
    isMinimized() {
      return false;
    }
    isVisible() {
      return true;
    }
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
      on: (name: string, listener: (...args: unknown[]) => void) => appListeners.set(name, listener),
      setAsDefaultProtocolClient: (...args: unknown[]) => protocolClients.push(args),
      setBadgeCount: vi.fn(),
      setLoginItemSettings: vi.fn(),
      isPackaged: false,
      quit: vi.fn(),
      exit: vi.fn(),
      whenReady: () => new Promise<void>((resolve) => (readyResolve = resolve)),
      getPath: () => temp.dir,
      getLocale: () => 'ja-JP',
    },
    BrowserWindow,
    Tray: class {
      on() {}
      setImage() {}
      setToolTip() {}
      setContextMenu() {}
    },
    Menu: { buildFromTemplate: () => ({}) },
    nativeImage: { createFromPath: () => ({ setTemplateImage() {} }) },
    Notification: class {
      static isSupported() {
        return true;
      }
      on() {}
      show() {}
      close() {}
    },
    globalShortcut: { register: () => true, unregisterAll: vi.fn() },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    powerMonitor: { on: (name: string, listener: () => void) => powerListeners.set(name, listener) },
    dialog: { showErrorBox: vi.fn() },
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, payload: unknown) => Promise<unknown>) => {
        handled.push(channel);
        handlerFns.set(channel, fn);
      },
      removeHandler: vi.fn(),
    },
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
    // A cold start with a link on the command line (Windows/Linux) …
    const argv = process.argv;
    process.argv = [...argv, '--', 'tel:0120-000-111'];
    await import('../../../src-main/index');
    expect(calls.slice(0, 2)).toEqual(['registerScheme', 'lock']);
    readyResolve();
    const { dialog } = await import('electron');
    await vi.waitFor(() => expect(windows[0]?.url ?? vi.mocked(dialog.showErrorBox).mock.calls).toBe('app://tsunagu/index.html'));
    expect(handled.sort()).toEqual([...invokeChannels].sort());
    expect(calls).toEqual(expect.arrayContaining(['permissionRequest', 'permissionCheck', 'protocol.handle']));
    expect(windows[0]!.options).toMatchObject({ webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false } });

    // Every call-link scheme is registered with `--` ending the switches (CVE-2018-1000006).
    expect(protocolClients.map((c) => c[0])).toEqual(['tel', 'sip', 'sips', 'callto', 'tsunagu']);
    for (const client of protocolClients) expect((client[2] as string[]).at(-1)).toBe('--');

    // The cold-start link waits until the page says it is ready, then is delivered once.
    const dialRequests = () => sentToPage.filter((m) => m[0] === 'tsunagu:event:dial-request').map((m) => m[1]);
    expect(dialRequests()).toEqual([]);
    const frame = { url: 'app://tsunagu/index.html' };
    await handlerFns.get('tsunagu:app:renderer-ready')!({ senderFrame: frame, sender: { mainFrame: frame } }, undefined);
    expect(dialRequests()).toEqual([{ target: '0120000111', dialImmediately: false }]);

    // macOS open-url and a second launch's argv (Windows/Linux) go straight to the ready page.
    appListeners.get('open-url')!({ preventDefault: () => undefined }, 'sip:1002@lab.test');
    appListeners.get('second-instance')!({}, ['Tsunagu.exe', '--', 'tel:03-1234-5678']);
    expect(dialRequests().slice(1)).toEqual([
      { target: 'sip:1002@lab.test', dialImmediately: false },
      { target: '0312345678', dialImmediately: false },
    ]);

    // Waking from sleep or unlocking tells the page to check its connection at once.
    powerListeners.get('resume')!();
    powerListeners.get('unlock-screen')!();
    expect(sentToPage.filter((m) => m[0] === 'tsunagu:event:connectivity-check').map((m) => m[1])).toEqual([{ cause: 'resume' }, { cause: 'unlock' }]);
    process.argv = argv;
    temp.cleanup();
  });
});
