import type { HistoryEntry } from '../../src-preload/contract';

/** A row of the calls table as SQLite returns it. */
export interface CallRow {
  id: number;
  call_id: string;
  direction: 'outgoing' | 'incoming';
  outcome: HistoryEntry['outcome'];
  remote_number: string;
  remote_name: string | null;
  local_account: string;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  duration_sec: number | null;
  end_reason: string | null;
}

/** A calls row as the contract's HistoryEntry (history-query.ts builds its rows on it). */
export function toEntry(row: CallRow): HistoryEntry {
  return {
    id: row.id,
    callId: row.call_id,
    direction: row.direction,
    outcome: row.outcome,
    remoteNumber: row.remote_number,
    remoteName: row.remote_name,
    localAccount: row.local_account,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    durationSec: row.duration_sec,
    endReason: row.end_reason,
  };
}
