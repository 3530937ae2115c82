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
      void deps.web.lookupLive(number, timeoutMs).then(
        (live) => {
          if (live) announce(callId, 'web', live);
        },
        // liveLookup never rejects; this is only belt and braces for a ringing call.
        (err: unknown) => deps.log.warn(`caller lookup failed: ${err instanceof Error ? err.name : 'error'}`),
      );
    },
  };
}
