// Who is calling: the lookup chain the ring and the notification use. Personal phonebook →
// web phonebook cache → the web phonebook server itself (a short live query). Nothing here
// delays the ring: the page shows the number at once and main pushes the name, then the photo,
// as each source answers (the order the NTT Web電話帳 manual describes).

import type { CallerIdentity } from '../../src-preload/contract';
import type { SendEvent } from '../ipc/events';
import type { Logger } from '../support/log';

interface Found {
  name: string;
  company: string;
  photo: string | null;
}

export interface CallerIdentificationDeps {
  personal(number: string): Found | null;
  web: {
    enabled(): boolean;
    lookupCached(number: string): Found | null;
    lookupLive(number: string, timeoutMs: number): Promise<Found | null>;
    /** An incremental sync, then the cache (resolves null when none ran: one did recently). */
    lookupAfterSync(number: string): Promise<Found | null>;
  };
  send: SendEvent;
  /** Told the name as soon as it is known (the notification shows it). */
  onIdentified(callId: string, name: string): void;
  log: Logger;
  /** How long the server may take before the number simply stays. Default 3 s. */
  liveTimeoutMs?: number;
}

export type CallerIdentification = ReturnType<typeof createCallerIdentification>;

export function createCallerIdentification(deps: CallerIdentificationDeps) {
  const timeoutMs = deps.liveTimeoutMs ?? 3_000;

  function announce(callId: string, source: CallerIdentity['source'], found: Found): void {
    if (!found.name) return;
    // Name first (a small event the page renders at once), then the photo (which may be large).
    deps.send('tsunagu:event:caller-identified', { callId, source, name: found.name, company: found.company, photo: null });
    deps.onIdentified(callId, found.name);
    if (found.photo) deps.send('tsunagu:event:caller-identified', { callId, source, name: found.name, company: found.company, photo: found.photo });
  }

  return {
    /** Starts the chain for a ringing call; returns at once (the live query runs on). */
    identify(callId: string, number: string): void {
      const personal = deps.personal(number);
      if (personal) return announce(callId, 'personal', personal);
      if (!deps.web.enabled()) return;
      const cached = deps.web.lookupCached(number);
      if (cached) return announce(callId, 'web', cached);
      // Two ways to the server at once, the first answer wins: a live query (addressbook-query),
      // and an incremental sync then the cache. Servers differ in which is quicker: Radicale
      // filters every card for a query (4 s at 10,000 cards) but answers a sync in 0.7 s; a
      // big Nextcloud indexes the query.
      let announced = false;
      const take = (found: Found | null) => {
        if (!found || announced) return;
        announced = true;
        announce(callId, 'web', found);
      };
      // Neither rejects by contract; this is only belt and braces for a ringing call.
      const failed = (err: unknown) => deps.log.warn(`caller lookup failed: ${err instanceof Error ? err.name : 'error'}`);
      void deps.web.lookupLive(number, timeoutMs).then(take, failed);
      void deps.web.lookupAfterSync(number).then(take, failed);
    },
  };
}
