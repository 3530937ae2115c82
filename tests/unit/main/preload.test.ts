import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TsunaguApi as Api } from '../../../src-preload/api';

// The preload with `electron` mocked: what reaches the page is exactly the frozen verb API,
// never ipcRenderer, and every call and event goes through the contract.
const exposed: Record<string, unknown> = {};
const ipcListeners = new Map<string, (event: unknown, payload: unknown) => void>();
const invoke = vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: undefined }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke,
    on: (channel: string, listener: (event: unknown, payload: unknown) => void) => ipcListeners.set(channel, listener),
    removeListener: (channel: string) => ipcListeners.delete(channel),
  },
}));

beforeEach(async () => {
  invoke.mockClear();
  await import('../../../src-preload/index');
});

describe('preload', () => {
  it('exposes one frozen API of intent-level verbs as window.tsunagu, and nothing else', () => {
    expect(Object.keys(exposed)).toEqual(['tsunagu']);
    const api = exposed.tsunagu as Api;
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.settings)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(['app', 'contacts', 'cti', 'desktop', 'history', 'onCallCommand', 'onCallerIdentified', 'onConnectivityCheck', 'onDesktopStatus', 'onDialRequest', 'onProvisionRequest', 'onSettingsChanged', 'onWebPhonebookState', 'phone', 'settings', 'webPhonebook']);
    const all = JSON.stringify(Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v === 'object' ? Object.keys(v as object) : typeof v])));
    expect(all).not.toMatch(/invoke|send|ipc/i);
  });

  it('sends valid calls on their contract channel and stops invalid ones before IPC', async () => {
    const api = exposed.tsunagu as Api;
    await api.settings.get();
    expect(invoke).toHaveBeenCalledWith('tsunagu:settings:get', undefined);
    const bad = await api.history.list({ limit: 100_000 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('delivers contract-valid events without the IPC event object, drops malformed ones, and unsubscribes', () => {
    const api = exposed.tsunagu as Api;
    const seen: unknown[][] = [];
    const off = api.onDialRequest((...args) => seen.push(args));
    const deliver = ipcListeners.get('tsunagu:event:dial-request')!;
    deliver({ sender: 'secret' }, { target: '0312345678', dialImmediately: false });
    deliver({}, { target: '<script>', dialImmediately: 'yes' });
    expect(seen).toEqual([[{ target: '0312345678', dialImmediately: false }]]);
    off();
    expect(ipcListeners.has('tsunagu:event:dial-request')).toBe(false);
  });
});
