// The CTI panel's main-process half (顧客情報表示・CTI連動): 前回通話 (the last call with the
// ringing number, from our own history) and the three buttons that open the customer's CRM
// pages — 電話受付, 顧客情報一覧, 連携先電話帳 — with the call's values filled into the saved URL
// templates. The page never gets to name a URL: it says which button, main fills the template
// the user saved and opens that, so a compromised page can at most open the customer's own
// pages with other values.

import type { Database } from 'better-sqlite3';
import type { CtiButton, CtiCallContext, CtiSettings, LastCallView } from '../../src-preload/contract';
import { remoteKeys } from '../history/history-query';
import type { Logger } from '../support/log';
import { fillCtiTemplate } from './url-template';

export interface CtiServiceDeps {
  db: Database;
  /** The CTI settings as they are now. */
  cti: () => CtiSettings;
  /** Opens a URL in the default browser (main-services: desktop.openExternal). */
  openExternal: (url: string) => Promise<void>;
  log: Logger;
}

export type CtiService = {
  lastCall(number: string, exceptCallId?: string): LastCallView | null;
  open(button: CtiButton, call: CtiCallContext): Promise<{ opened: boolean }>;
};

interface LastCallRow {
  started_at: number;
  direction: LastCallView['direction'];
  kind: LastCallView['kind'];
  local_account: string;
  duration_sec: number | null;
}

export function createCtiService(deps: CtiServiceDeps): CtiService {
  const { db, log } = deps;
  // calls_by_remote_key is (remote_key, started_at, id): one range of it, walked backwards from
  // its newest entry, and the first row that is not the ringing call ends the query — the cost
  // of one index probe, however long the history. Pinned, so that a planner guess can never
  // turn the ring-time lookup into a scan. `kind` is the history list's own column (migration
  // 003), so 前回通話 shows the mark the list shows.
  const lastByKey = db.prepare(`
    SELECT started_at, direction, kind, local_account, duration_sec
    FROM calls INDEXED BY calls_by_remote_key
    WHERE remote_key = @key AND call_id IS NOT @except
    ORDER BY started_at DESC, id DESC LIMIT 1`);

  return {
    lastCall(number, exceptCallId) {
      // The key the history stores (remoteKeys → normalizeRemoteNumber, as the incoming-call
      // lookup): 03-1234-5678, 0312345678, +81312345678 and sip:0312345678@pbx are one number.
      const { remoteKey } = remoteKeys(number);
      // No number (非通知, 'anonymous', a SIP name): those calls are not one caller.
      if (remoteKey === '') return null;
      const row = lastByKey.get({ key: remoteKey, except: exceptCallId ?? null }) as LastCallRow | undefined;
      if (!row) return null;
      return { startedAt: row.started_at, direction: row.direction, kind: row.kind, localAccount: row.local_account, durationSec: row.duration_sec };
    },

    async open(button, call) {
      const cti = deps.cti();
      if (!cti.enabled) return { opened: false };
      const template = cti.urls[button];
      if (template === '') return { opened: false };
      const url = fillCtiTemplate(template, {
        number: call.number,
        name: call.name,
        called: call.called,
        line: call.line,
        direction: call.direction,
        callId: call.callId,
      });
      // The URL (and an error about it, which may quote it) carries the caller's number and
      // name: personal data that must not end up in logs or bug reports. The button is enough
      // to find the template.
      if (url === null) {
        log.warn(`CTI ${button}: the URL template or this call's values cannot make a safe URL; nothing opened`);
        return { opened: false };
      }
      try {
        await deps.openExternal(url);
        return { opened: true };
      } catch {
        log.warn(`CTI ${button}: the browser could not be opened`);
        return { opened: false };
      }
    },
  };
}
