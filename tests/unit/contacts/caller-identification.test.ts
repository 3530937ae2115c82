import { describe, expect, it } from 'vitest';
import { createCallerIdentification } from '../../../src-main/contacts/caller-identification';

const CALL = '11111111-2222-4333-8444-555555555555';
const PHOTO = 'data:image/png;base64,iVBORw0KGgo=';

/** The chain with sources that answer as told; records what the page and the alerts were told. */
function chain(sources: {
  personal?: Record<string, { name: string; photo: string | null }>;
  cached?: Record<string, { name: string; photo: string | null }>;
  live?: (number: string) => Promise<{ name: string; photo: string | null } | null>;
  afterSync?: (number: string) => Promise<{ name: string; photo: string | null } | null>;
  enabled?: boolean;
}) {
  const events: { source: string; name: string; photo: string | null }[] = [];
  const named: string[] = [];
  const asked: string[] = [];
  const identification = createCallerIdentification({
    personal: (n) => (sources.personal?.[n] ? { company: '', ...sources.personal[n] } : null),
    web: {
      enabled: () => sources.enabled ?? true,
      lookupCached: (n) => {
        asked.push(`cache ${n}`);
        return sources.cached?.[n] ? { company: '', ...sources.cached[n] } : null;
      },
      lookupLive: async (n, timeoutMs) => {
        asked.push(`live ${n} ${timeoutMs}`);
        const found = await (sources.live?.(n) ?? null);
        return found ? { company: 'ラボ商事', ...found } : null;
      },
      lookupAfterSync: async (n) => {
        asked.push(`sync ${n}`);
        const found = await (sources.afterSync?.(n) ?? null);
        return found ? { company: 'ラボ商事', ...found } : null;
      },
    },
    send: (channel, payload) => {
      expect(channel).toBe('tsunagu:event:caller-identified');
      const p = payload as { callId: string; source: string; name: string; photo: string | null };
      expect(p.callId).toBe(CALL);
      events.push({ source: p.source, name: p.name, photo: p.photo });
    },
    onIdentified: (_callId, name) => named.push(name),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    liveTimeoutMs: 1500,
  });
  return { identification, events, named, asked };
}

describe('caller identification chain', () => {
  it('the personal phonebook wins: the web phonebook is not asked', () => {
    const c = chain({ personal: { '0312345678': { name: '山田 太郎', photo: PHOTO } }, cached: { '0312345678': { name: '別人', photo: null } } });
    c.identification.identify(CALL, '0312345678');
    expect(c.events).toEqual([
      { source: 'personal', name: '山田 太郎', photo: null },
      { source: 'personal', name: '山田 太郎', photo: PHOTO },
    ]);
    expect(c.asked).toEqual([]);
    expect(c.named).toEqual(['山田 太郎']);
  });

  it('then the web cache, synchronously; the server is not asked', () => {
    const c = chain({ cached: { '1004': { name: '高橋 一郎', photo: null } } });
    c.identification.identify(CALL, '1004');
    expect(c.events).toEqual([{ source: 'web', name: '高橋 一郎', photo: null }]);
    expect(c.asked).toEqual(['cache 1004']);
  });

  it('then the server, with the short timeout; identify returns before it answers, name before photo', async () => {
    let answer!: (value: { name: string; photo: string | null }) => void;
    const c = chain({ live: () => new Promise((resolve) => (answer = resolve)) });
    c.identification.identify(CALL, '1004');
    // The ring is never held up: nothing yet, the live query is in flight.
    expect(c.events).toEqual([]);
    expect(c.asked).toEqual(['cache 1004', 'live 1004 1500', 'sync 1004']);
    answer({ name: '高橋 一郎', photo: PHOTO });
    await new Promise((r) => setTimeout(r, 0));
    expect(c.events).toEqual([
      { source: 'web', name: '高橋 一郎', photo: null },
      { source: 'web', name: '高橋 一郎', photo: PHOTO },
    ]);
  });

  it('a sync that finds the card first wins; the slower live answer is not announced again', async () => {
    let live!: (value: { name: string; photo: string | null }) => void;
    const c = chain({ live: () => new Promise((resolve) => (live = resolve)), afterSync: async () => ({ name: '高橋 一郎', photo: null }) });
    c.identification.identify(CALL, '1004');
    await new Promise((r) => setTimeout(r, 0));
    expect(c.events).toEqual([{ source: 'web', name: '高橋 一郎', photo: null }]);
    live({ name: '高橋 一郎', photo: PHOTO });
    await new Promise((r) => setTimeout(r, 0));
    expect(c.events).toHaveLength(1);
    expect(c.named).toEqual(['高橋 一郎']);
  });

  it('not found anywhere, or the web phonebook off: nothing is announced and the number stays', async () => {
    const off = chain({ enabled: false, live: async () => ({ name: 'x', photo: null }) });
    off.identification.identify(CALL, '1004');
    expect(off.asked).toEqual([]);
    const none = chain({ live: async () => null });
    none.identification.identify(CALL, '1004');
    const failing = chain({ live: () => Promise.reject(new Error('boom')), afterSync: () => Promise.reject(new Error('boom')) });
    failing.identification.identify(CALL, '1004');
    await new Promise((r) => setTimeout(r, 0));
    expect([...off.events, ...none.events, ...failing.events]).toEqual([]);
  });

  it('a card with an empty name is not a name', () => {
    const c = chain({ cached: { '1004': { name: '', photo: PHOTO } } });
    c.identification.identify(CALL, '1004');
    expect(c.events).toEqual([]);
  });
});
