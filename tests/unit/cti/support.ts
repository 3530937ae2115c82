// Shared by the CTI tests: a fake clock with fake timers (the backoff is minutes long), and a
// real HTTP receiver on a loopback port that records every request and honours the
// Idempotency-Key (a key it already has is answered 409, never stored twice).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedPort, fakeTime as makeFakeTime, recordingLog } from '../../support/outbox-kit';

export const T0 = 1_700_000_000_000;
export const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const fakeTime = () => makeFakeTime(T0);

export interface ReceivedPost {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  key: string | undefined;
  body: string;
}

export interface Receiver {
  port: number;
  /** Every request, in arrival order (duplicates included). */
  posts: ReceivedPost[];
  /** Bodies by idempotency key, each stored once. */
  stored: Map<string, unknown>;
  /** A scripted status for one request; undefined = store and answer 201 (409 for a repeat). */
  respond: (post: ReceivedPost, index: number) => { status: number; headers?: Record<string, string> } | undefined;
  close(): Promise<void>;
}

async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return (server.address() as AddressInfo).port;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const receiver = {
    posts: [] as ReceivedPost[],
    stored: new Map<string, unknown>(),
    respond: (() => undefined) as Receiver['respond'],
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const post: ReceivedPost = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        key: req.headers['idempotency-key'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      receiver.posts.push(post);
      const scripted = receiver.respond(post, receiver.posts.length - 1);
      if (scripted) {
        res.writeHead(scripted.status, scripted.headers ?? {}).end();
        return;
      }
      if (post.method !== 'POST' || !post.key) {
        res.writeHead(400).end();
        return;
      }
      if (receiver.stored.has(post.key)) {
        res.writeHead(409).end();
        return;
      }
      receiver.stored.set(post.key, JSON.parse(post.body));
      res.writeHead(201).end();
    });
  });
  const bound = await listen(server, port);
  return Object.assign(receiver, {
    port: bound,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  });
}

export { closedPort, recordingLog };
