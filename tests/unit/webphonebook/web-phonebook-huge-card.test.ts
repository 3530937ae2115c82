// One real 50 MB card on a real Radicale (a photo nobody resized): the book still syncs, the card
// is skipped and reported, and later syncs do not download it again. Its own Radicale, because
// the upload alone keeps Radicale busy for ~17 s on this machine.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebPhonebookService } from '../../../src-main/webphonebook/web-phonebook-service';
import type { RequestInfo } from '../../../src-main/webphonebook/carddav-client';
import { startRadicale, type RadicaleLab } from '../../lab/radicale';
import { landline, makeCards } from './cards';
import { openCacheDb, quietLog } from './helpers';

let lab: RadicaleLab;
beforeAll(async () => {
  lab = await startRadicale({ users: [{ user: 'carol', password: 'carolpass' }] });
  await lab.putMany('carol', makeCards(10, 'c'));
  const photo = Buffer.alloc(37_500_000, 7).toString('base64');
  await lab.putCard('carol', 'huge', `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:huge\r\nFN:巨大 写真\r\nTEL:0399999999\r\nPHOTO;ENCODING=b;TYPE=JPEG:${photo}\r\nEND:VCARD\r\n`);
}, 120_000);
afterAll(async () => {
  await lab?.dispose();
});

it('a 50 MB card is skipped as too large; every other card syncs, and the next sync does not fetch it again', async () => {
  const cache = openCacheDb();
  const requests: RequestInfo[] = [];
  try {
    const service = createWebPhonebookService({ db: cache.db, clock: { now: () => Date.now() }, log: quietLog, clientOptions: { onRequest: (r) => requests.push(r) } });
    const config = { server: lab.host, ssl: false, user: 'carol', password: 'carolpass' };
    const first = await service.sync(config);
    expect(first).toMatchObject({ added: 10, skipped: [{ href: '/carol/contacts/huge.vcf', reason: 'too-large' }] });
    expect(service.lookup(landline(3))).not.toBeNull();
    expect(service.lookup('0399999999')).toBeNull();
    requests.length = 0;
    expect(await service.sync(config)).toMatchObject({ added: 0, fetched: 0, skipped: [] });
    expect(requests.filter((r) => r.kind === 'multiget')).toEqual([]);
  } finally {
    cache.cleanup();
  }
}, 60_000);
