import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { invokeChannels } from '../../../src-preload/contract';
import { createEventSender } from '../../../src-main/ipc/events';
import { registerIpc } from '../../../src-main/ipc/register-ipc';
import { hardenWebContents, mainWindowOptions, restrictPermissions } from '../../../src-main/window/main-window';

describe('main window options', () => {
  it('keep the security baseline: isolation, sandbox, no node, web security, no throttling', () => {
    const prefs = mainWindowOptions('/app/out/preload/index.cjs').webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      backgroundThrottling: false,
    });
  });
});

function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  return {
    emitter,
    on: (name: string, listener: (...args: unknown[]) => void) => emitter.on(name, listener),
    setWindowOpenHandler: (h: typeof openHandler) => {
      openHandler = h;
    },
    open: (url: string) => openHandler!({ url }),
  };
}

describe('hardenWebContents', () => {
  it('cancels every navigation, redirect and webview attach', () => {
    const contents = fakeContents();
    hardenWebContents(contents as never, { openExternal: vi.fn(), log: { warn: vi.fn() } });
    for (const [name, args] of [
      ['will-navigate', ['https://evil.example/']],
      ['will-redirect', []],
      ['will-attach-webview', []],
    ] as const) {
      const event = { preventDefault: vi.fn() };
      contents.emitter.emit(name, event, ...args);
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
  });

  it('denies every window.open and hands only https URLs to the browser', () => {
    const contents = fakeContents();
    const openExternal = vi.fn(async () => undefined);
    hardenWebContents(contents as never, { openExternal, log: { warn: vi.fn() } });
    expect(contents.open('https://crm.example.jp/a')).toEqual({ action: 'deny' });
    expect(contents.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(contents.open('http://crm.example.jp/')).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://crm.example.jp/a']]);
  });
});

describe('restrictPermissions', () => {
  it('installs request and check handlers that allow only the microphone and notifications for our page', () => {
    let request: ((...a: unknown[]) => void) | undefined;
    let check: ((...a: unknown[]) => boolean) | undefined;
    restrictPermissions({
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
    } as never);
    const ask = (permission: string, details: object) => {
      const callback = vi.fn();
      request!(null, permission, callback, details);
      return callback.mock.calls[0]![0] as boolean;
    };
    expect(ask('media', { requestingUrl: 'app://tsunagu/index.html', mediaTypes: ['audio'] })).toBe(true);
    expect(ask('media', { requestingUrl: 'app://tsunagu/index.html', mediaTypes: ['video'] })).toBe(false);
    expect(ask('media', { requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] })).toBe(false);
    expect(ask('geolocation', { requestingUrl: 'app://tsunagu/index.html' })).toBe(false);
    expect(check!(null, 'media', 'app://tsunagu', { mediaType: 'audio' })).toBe(true);
    expect(check!(null, 'media', 'app://tsunagu', { mediaType: 'video' })).toBe(false);
    expect(check!(null, 'notifications', 'https://evil.example', {})).toBe(false);
  });
});

describe('registerIpc', () => {
  it('registers exactly the contract channels and passes the real sender frame to the dispatcher', async () => {
    const handlers = new Map<string, (event: unknown, payload: unknown) => unknown>();
    const ipcMain = { handle: (c: string, h: never) => handlers.set(c, h), removeHandler: (c: string) => handlers.delete(c) };
    const dispatch = vi.fn(async () => ({ ok: true as const, value: undefined }));
    const unregister = registerIpc(ipcMain as never, dispatch);
    expect([...handlers.keys()].sort()).toEqual([...invokeChannels].sort());

    const mainFrame = { url: 'app://tsunagu/index.html' };
    await handlers.get('tsunagu:settings:get')!({ senderFrame: mainFrame, sender: { mainFrame } }, undefined);
    await handlers.get('tsunagu:settings:get')!({ senderFrame: { url: 'app://tsunagu/x' }, sender: { mainFrame } }, 1);
    await handlers.get('tsunagu:settings:get')!({ senderFrame: null, sender: { mainFrame } }, 2);
    expect(dispatch.mock.calls).toEqual([
      ['tsunagu:settings:get', undefined, { url: 'app://tsunagu/index.html', isMainFrame: true }],
      ['tsunagu:settings:get', 1, { url: 'app://tsunagu/x', isMainFrame: false }],
      ['tsunagu:settings:get', 2, { url: '', isMainFrame: false }],
    ]);
    unregister();
    expect(handlers.size).toBe(0);
  });
});

describe('createEventSender', () => {
  it('delivers contract-valid events and refuses malformed ones before they leave main', () => {
    const deliver = vi.fn();
    const send = createEventSender(deliver);
    send('tsunagu:event:dial-request', { target: '0312345678', dialImmediately: false });
    expect(deliver).toHaveBeenCalledWith('tsunagu:event:dial-request', { target: '0312345678', dialImmediately: false });
    expect(() => send('tsunagu:event:dial-request', { target: '', dialImmediately: false })).toThrow();
  });
});
