// Injected into the page before any of its scripts (Playwright addInitScript), in place of the
// Electron preload. It builds window.tsunagu with the preload's own createTsunaguApi, over a
// transport that is a Playwright binding into the real main-process dispatcher.
import { createTsunaguApi, type BridgeTransport } from '../../../src-preload/api';
import type { EventChannel, InvokeChannel } from '../../../src-preload/contract';

interface HarnessWindow {
  __tsunaguInvoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
}

const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
const binding = window as unknown as HarnessWindow;

const transport: BridgeTransport = {
  invoke: (channel, payload) => binding.__tsunaguInvoke(channel, payload),
  on(channel, listener) {
    const set = listeners.get(channel) ?? new Set();
    listeners.set(channel, set);
    set.add(listener);
    return () => set.delete(listener);
  },
};

Object.defineProperty(window, 'tsunagu', { value: createTsunaguApi(transport), enumerable: true });
Object.defineProperty(window, '__tsunaguEmit', {
  value: (channel: EventChannel, payload: unknown) => listeners.get(channel)?.forEach((listener) => listener(payload)),
});

// Test instrumentation only (never in the app): keep every RTCPeerConnection so a test can read
// getStats() and prove that audio packets really flow.
const Native = window.RTCPeerConnection;
const connections: RTCPeerConnection[] = [];
Object.defineProperty(window, '__peerConnections', { value: connections });
window.RTCPeerConnection = class extends Native {
  constructor(config?: RTCConfiguration) {
    super(config);
    connections.push(this);
  }
} as typeof RTCPeerConnection;

// Test instrumentation only: the first line of every SIP message the page sends, so a test can
// count REGISTERs (e.g. that a refresh goes out before the registration expires).
const sent: string[] = [];
Object.defineProperty(window, '__sipSent', { value: sent });
const nativeSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
  if (typeof data === 'string') sent.push(data.slice(0, data.indexOf('\r\n')));
  return nativeSend.call(this, data);
};
