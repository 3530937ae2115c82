// Security decisions for the app window, as pure functions so that unit tests pin them down
// and the e2e harness serves the renderer under exactly the same policy.

/** Our UI is served from a custom, privileged scheme instead of file://: file pages share one
 *  origin with every local file, while app://tsunagu is an origin of its own that the IPC
 *  sender check, the CSP and the permission handler can name exactly. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'tsunagu';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The origin of a URL as the browser sees it. WHATWG URL reports 'null' for non-special
 *  schemes such as ours, so it is rebuilt from scheme and host; '' when unparsable. */
export function originOf(url: string | undefined): string {
  if (!url) return '';
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  } catch {
    return '';
  }
}

/** Origin (scheme://host[:port]) of a SIP WebSocket server URL, or null if it is not one. */
export function webSocketOrigin(server: string): string | null {
  try {
    const url = new URL(server);
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:') return null;
    return `${url.protocol}//${url.host}`;
  } catch {
    return null;
  }
}

/**
 * The Content-Security-Policy of the phone page. No remote or inline script, no eval, no
 * plugins, no framing, no forms; the only network the page may open is the configured SIP
 * WebSocket server (`connect-src`). Everything else the page needs goes through the bridge.
 * Media (getUserMedia, WebRTC) is not governed by CSP; the permission handler gates it.
 */
export function contentSecurityPolicy(sipServers: readonly string[]): string {
  const connect = [...new Set(sipServers.map(webSocketOrigin).filter((o): o is string => o !== null))];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src ${connect.length > 0 ? connect.join(' ') : "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const LOCAL_NETWORK_PERMISSIONS = new Set(['local-network-access', 'local-network', 'loopback-network']);

export interface PermissionQuery {
  permission: string;
  /** Origin of the page asking. */
  origin: string;
  /** For 'media' requests: the kinds asked for ('audio', 'video'). */
  mediaTypes?: readonly string[] | undefined;
}

/**
 * Electron grants every permission unless told otherwise. A phone needs the microphone and
 * notifications, from our own page only. Camera, screen capture, geolocation, MIDI, HID, USB,
 * clipboard reading, … are refused: none of them is needed to make a call.
 */
export function isPermissionAllowed(query: PermissionQuery, appOrigin: string = APP_ORIGIN): boolean {
  if (query.origin !== appOrigin) return false;
  if (query.permission === 'notifications') return true;
  // Choosing where calls and the ringer play (setSinkId on a headset or the PC speakers) is
  // 'speaker-selection' in Chromium's permission model; it exposes output devices only.
  if (query.permission === 'speaker-selection') return true;
  // Chromium's Local Network Access gates connections to private/loopback addresses. Many
  // offices run the PBX (or an SBC) on the LAN, so the SIP WebSocket must be allowed to reach
  // it; connect-src in the CSP still limits the page to the one configured server.
  if (LOCAL_NETWORK_PERMISSIONS.has(query.permission)) return true;
  if (query.permission === 'media') {
    const types = query.mediaTypes ?? [];
    return types.length > 0 && types.every((t) => t === 'audio');
  }
  return false;
}

/**
 * Links the page asks to open go to the user's browser only if they are plain https URLs.
 * http could be downgraded, and file:, smb:, custom schemes or javascript: can run programs
 * or leak credentials (the class of bug behind many Electron `openExternal` CVEs).
 */
export function isSafeExternalUrl(raw: string): boolean {
  if (raw.length > 2048) return false;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.hostname !== '' && !url.username && !url.password;
  } catch {
    return false;
  }
}
