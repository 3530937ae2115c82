// Parsers for the event packages behind the lamps: dialog-info (RFC 4235, busy-lamp fields and
// park slots) and simple-message-summary (RFC 3842, voicemail waiting). Pure, so they run (and
// are tested with hostile bodies) in Node. The bodies come from the network: nothing in them is
// trusted, every string is capped, and no entity or DTD processing is done.

import { XMLParser } from 'fast-xml-parser';

import { sanitizeRemoteText } from './sip-helpers';

export type DialogState = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
const DIALOG_STATES: ReadonlySet<string> = new Set(['trying', 'proceeding', 'early', 'confirmed', 'terminated']);

export interface WatchedDialog {
  id: string;
  state: DialogState;
  /** 'recipient': the watched party is being called (ringing); 'initiator': it is calling. */
  direction: 'initiator' | 'recipient' | null;
  callId: string | null;
  localTag: string | null;
  remoteTag: string | null;
  /** The other party of the watched one (a SIP URI), as text only. */
  remoteIdentity: string | null;
}

export interface DialogInfoDocument {
  /** 'full': these are all the dialogs; 'partial': changes to the ones known. */
  full: boolean;
  version: number | null;
  dialogs: WatchedDialog[];
}

/** What a lamp shows for a watched extension or park slot. */
export type LampState = 'idle' | 'ringing' | 'busy';

// An upper bound on what one NOTIFY may describe: a flood of dialogs is cut, not rendered.
const MAX_DIALOGS = 32;
const MAX_BODY = 64 * 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  // Entities beyond the five XML built-ins are never expanded (no billion laughs, no external
  // entities), and no DTD is read.
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'dialog',
});

function text(value: unknown, max = 256): string | null {
  if (typeof value === 'string') return sanitizeRemoteText(value, max) || null;
  if (value !== null && typeof value === 'object' && '#text' in value) return text((value as { '#text': unknown })['#text'], max);
  return null;
}

/** A dialog-info+xml body, or null when it is not one. */
export function parseDialogInfo(body: string): DialogInfoDocument | null {
  if (body.length > MAX_BODY) return null;
  let doc: unknown;
  try {
    doc = parser.parse(body);
  } catch {
    return null;
  }
  const info = (doc as { 'dialog-info'?: unknown })['dialog-info'];
  if (info === null || typeof info !== 'object') return null;
  const root = info as Record<string, unknown>;
  const version = Number(root.version);
  const dialogs: WatchedDialog[] = [];
  for (const raw of (Array.isArray(root.dialog) ? root.dialog : []).slice(0, MAX_DIALOGS) as unknown[]) {
    if (raw === null || typeof raw !== 'object') continue;
    const dialog = raw as Record<string, unknown>;
    const id = text(dialog.id, 128);
    const state = text(dialog.state, 32);
    if (id === null || state === null || !DIALOG_STATES.has(state)) continue;
    const direction = text(dialog.direction, 16);
    const remote = dialog.remote as Record<string, unknown> | undefined;
    dialogs.push({
      id,
      state: state as DialogState,
      direction: direction === 'initiator' || direction === 'recipient' ? direction : null,
      callId: text(dialog['call-id'], 256),
      localTag: text(dialog['local-tag'], 128),
      remoteTag: text(dialog['remote-tag'], 128),
      remoteIdentity: remote && typeof remote === 'object' ? text(remote.identity, 256) : null,
    });
  }
  return { full: text(root.state, 16) !== 'partial', version: Number.isInteger(version) ? version : null, dialogs };
}

/** Applies one NOTIFY to the dialogs known so far (RFC 4235 §4.1: full replaces, partial merges). */
export function mergeDialogs(known: readonly WatchedDialog[], update: DialogInfoDocument): WatchedDialog[] {
  const byId = new Map(update.full ? [] : known.map((dialog) => [dialog.id, dialog] as const));
  for (const dialog of update.dialogs) byId.set(dialog.id, dialog);
  return [...byId.values()].filter((dialog) => dialog.state !== 'terminated');
}

/** Ringing while any dialog rings the watched party; busy while any is confirmed or it is calling. */
export function lampState(dialogs: readonly WatchedDialog[]): LampState {
  if (dialogs.some((d) => d.direction !== 'initiator' && (d.state === 'early' || d.state === 'proceeding' || d.state === 'trying'))) return 'ringing';
  return dialogs.length > 0 ? 'busy' : 'idle';
}

export interface MessageSummary {
  waiting: boolean;
  newMessages: number;
  oldMessages: number;
}

/** A simple-message-summary body (RFC 3842 §5.2), or null when it is not one. */
export function parseMessageSummary(body: string): MessageSummary | null {
  if (body.length > MAX_BODY) return null;
  const waiting = /^Messages-Waiting\s*:\s*(yes|no)\s*$/im.exec(body)?.[1]?.toLowerCase();
  if (waiting === undefined) return null;
  // "Voice-Message: 2/8 (0/2)": new/old, then urgent new/old.
  const voice = /^Voice-Message\s*:\s*(\d{1,6})\s*\/\s*(\d{1,6})/im.exec(body);
  return {
    waiting: waiting === 'yes',
    newMessages: voice ? Number(voice[1]) : 0,
    oldMessages: voice ? Number(voice[2]) : 0,
  };
}
