import type { Protocol } from 'electron';
import { readAppFile } from './app-files';
import { APP_HOST, APP_SCHEME } from './security-policy';

/** Must run before `app.ready`. `standard` gives the scheme real origins; `secure` makes it a
 *  secure context, which getUserMedia and WebRTC require. No fetch/CORS/streaming privileges:
 *  the page fetches nothing from its own origin at run time. */
export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Serves the built renderer from disk under app://tsunagu with the CSP on every response. */
export function serveAppFiles(protocol: Protocol, rendererDir: string, csp: () => string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    const file = await readAppFile(rendererDir, url.pathname, csp());
    return new Response(new Uint8Array(Buffer.from(file.body)), { status: file.status, headers: file.headers });
  });
}
