import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readAppFile } from '../../../src-main/window/app-files';

/**
 * Serves the built renderer (out/renderer) on a loopback port with the same file resolution
 * and the same CSP header as the app:// handler in Electron. One server per phone, because
 * the CSP names that phone's configured SIP server.
 */
export async function serveRenderer(rendererDir: string, csp: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://x').pathname;
    void readAppFile(rendererDir, pathname, csp()).then((file) => {
      response.writeHead(file.status, file.headers);
      response.end(file.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
