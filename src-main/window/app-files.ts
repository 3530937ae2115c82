import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
};

/**
 * Maps a request path of our app origin onto a file inside the renderer folder, or null.
 * Anything that would resolve outside the folder (`..`, encoded separators) is refused, so the
 * scheme can never be used to read other files on the disk.
 */
export function resolveAppFile(rendererDir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = normalize(rendererDir + sep);
  const file = normalize(join(root, relative));
  return file.startsWith(root) ? file : null;
}

export interface AppFileResponse {
  status: number;
  body: Buffer | string;
  headers: Record<string, string>;
}

/** Reads one file of the UI with the headers every response of our origin carries. */
export async function readAppFile(rendererDir: string, pathname: string, csp: string): Promise<AppFileResponse> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
  const file = resolveAppFile(rendererDir, pathname);
  const type = file ? MIME[extname(file).toLowerCase()] : undefined;
  if (!file || !type) return { status: 404, body: 'not found', headers: { ...headers, 'Content-Type': 'text/plain' } };
  try {
    return { status: 200, body: await readFile(file), headers: { ...headers, 'Content-Type': type } };
  } catch {
    return { status: 404, body: 'not found', headers: { ...headers, 'Content-Type': 'text/plain' } };
  }
}
