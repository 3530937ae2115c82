// A tiny HTTP proxy between the CardDAV client and the lab's Radicale, on loopback, that
// counts what the client asks for and, on demand, breaks the answers: another status, a slow
// answer, XML cut in half, a body shorter than its Content-Length, an answer rewritten.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
  /** 'multiget', 'sync-collection', 'query', 'propfind-1', 'propfind-0', or the method. */
  kind: string;
  /** <href> elements in a multiget body. */
  hrefs: number;
}

export interface UpstreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Fault =
  /** Answer with this status (and a short body) instead of asking upstream. */
  | { status: number; body?: string; contentType?: string }
  /** Ask upstream, then wait this long before answering. */
  | { delayMs: number }
  /** Ask upstream, send the first `keep` (0..1) of a body that is still well-framed (Content-Length of what is sent). */
  | { truncateXml: number }
  /** Ask upstream, announce the full Content-Length, send half and close the connection. */
  | { cutConnection: true }
  /** Ask upstream and rewrite its answer. */
  | { rewrite: (answer: UpstreamAnswer) => UpstreamAnswer };

export interface FaultProxy {
  /** '127.0.0.1:PORT' */
  readonly host: string;
  /** Every request seen, in order. */
  readonly requests: ProxiedRequest[];
  /** Decides per request: a fault, or null to pass it through. Default: pass everything. */
  fault: (request: ProxiedRequest, index: number) => Fault | null;
  /** Multiget hrefs asked for since the last reset(). */
  multigetHrefs(): number;
  reset(): void;
  close(): Promise<void>;
}

function kindOf(method: string, depth: string | undefined, body: string): string {
  if (method === 'REPORT') {
    if (body.includes('addressbook-multiget')) return 'multiget';
    if (body.includes('sync-collection')) return 'sync-collection';
    if (body.includes('addressbook-query')) return 'query';
  }
  if (method === 'PROPFIND') return `propfind-${depth ?? '?'}`;
  return method;
}

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;

  const forward = (req: http.IncomingMessage, body: Buffer): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
      const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, signal: AbortSignal.timeout(60_000) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const send = (res: http.ServerResponse, answer: UpstreamAnswer, body = answer.body) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !['content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(key)) headers[key] = value;
    }
    headers['content-length'] = body.length;
    res.writeHead(answer.status, headers);
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const kind = kindOf(req.method ?? '', req.headers.depth as string | undefined, text);
      const request: ProxiedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        body: text,
        kind,
        hrefs: kind === 'multiget' ? (text.match(/<(?:[\w-]+:)?href>/g) ?? []).length : 0,
      };
      requests.push(request);
      const fault = proxy.fault(request, seq++);
      void (async () => {
        if (fault && 'status' in fault) {
          res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain; charset=utf-8', ...(fault.status === 401 ? { 'www-authenticate': 'Basic realm="lab"' } : {}) });
          res.end(fault.body ?? `fault ${fault.status}`);
          return;
        }
        const answer = await forward(req, body);
        if (!fault) return send(res, answer);
        if ('delayMs' in fault) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!res.destroyed) send(res, answer);
          }, fault.delayMs);
          timers.add(timer);
          return;
        }
        if ('truncateXml' in fault) {
          // Cut on a character boundary: the body stays valid UTF-8 and is only malformed XML
          // (a cut inside a Japanese character would be a different fault, bad encoding).
          let end = Math.floor(answer.body.length * fault.truncateXml);
          while (end > 0 && ((answer.body[end] ?? 0) & 0xc0) === 0x80) end--;
          return send(res, answer, answer.body.subarray(0, end));
        }
        if ('cutConnection' in fault) {
          res.writeHead(answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'text/xml'), 'content-length': answer.body.length });
          res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => res.socket?.destroy());
          return;
        }
        const rewritten = fault.rewrite(answer);
        send(res, rewritten);
      })().catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    host: `127.0.0.1:${port}`,
    requests,
    fault: () => null,
    multigetHrefs: () => requests.reduce((sum, r) => sum + r.hrefs, 0),
    reset: () => {
      requests.length = 0;
      seq = 0;
      proxy.fault = () => null;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
