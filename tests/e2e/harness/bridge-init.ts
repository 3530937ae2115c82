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
// The SIP sockets the page has used, so a test can cut the connection as a network drop would
// (the server just sees the connection close; the page's sip.js sees an unexpected close).
const sockets: WebSocket[] = [];
Object.defineProperty(window, '__dropSipConnection', {
  value: () => {
    const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
    for (const ws of open) ws.close(4000, 'test: network drop');
    return open.length;
  },
});
const nativeSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
  if (!sockets.includes(this)) sockets.push(this);
  if (typeof data === 'string') sent.push(data.slice(0, data.indexOf('\r\n')));
  return nativeSend.call(this, data);
};

// Test instrumentation only: every SIP message the page receives (the first line; INFO, INVITE
// and NOTIFY requests whole, so a test can read DTMF, headers and lamp bodies), and a switch that
// holds inbound messages back for a while, in order, as a slow network would — how a test makes
// two re-INVITEs cross (glare).
interface InboundControl {
  delayMs: number;
}
const received: string[] = [];
const inbound: InboundControl = { delayMs: 0 };
Object.defineProperty(window, '__sipReceived', { value: received });
Object.defineProperty(window, '__sipInbound', { value: inbound });
let releaseAt = 0;
const nativeAddEventListener = WebSocket.prototype.addEventListener;
WebSocket.prototype.addEventListener = function (this: WebSocket, type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) {
  if (type !== 'message' || typeof listener !== 'function') return nativeAddEventListener.call(this, type, listener, options);
  const wrapped = (event: Event) => {
    const data = (event as MessageEvent).data;
    if (typeof data === 'string') received.push(/^(INFO|INVITE|NOTIFY) /.test(data) ? data : data.slice(0, data.indexOf('\r\n')));
    // Never deliver earlier than a message that came before: the order on the wire is kept.
    releaseAt = Math.max(releaseAt, Date.now() + inbound.delayMs);
    const wait = releaseAt - Date.now();
    if (wait <= 0) listener.call(this, event);
    else setTimeout(() => listener.call(this, event), wait);
  };
  return nativeAddEventListener.call(this, type, wrapped, options);
};
