// The life of ONE call as an explicit state machine, kept free of sip.js so that every move
// (and every move that must not happen) can be proven in plain unit tests. sip.js reports
// what happened on the wire; the engine translates that into these events, and this module
// alone decides which phase follows and how the call goes into the history.
//
//   idle ──dial──▶ calling ──established──▶ in-call ──hangup / remote-bye / failure──▶ ending ──terminated──▶ idle
//   idle ──incoming──▶ ringing ──answer──▶ ringing ──established──▶ in-call
//   calling ──hangup / remote-reject / failure──▶ ending
//   ringing ──reject / remote-cancel / no-answer / failure──▶ ending
//   in-call ──transferred / replaced──▶ ending      (the call left us by a transfer: answered)
//
// Hold is a sub-state of in-call, because the call is still up and can end in any of them:
//
//   none ──hold──▶ holding ──hold-ok──▶ held ──resume──▶ resuming ──resume-ok──▶ none
//                  holding ──hold-failed──▶ none      resuming ──resume-failed──▶ held
//
// 'held' is entered only on the re-INVITE's 2xx, so the UI never shows 保留中 for a hold the far
// end refused; a 491 (glare) keeps 'holding' while the engine retries.

import type { CallDirection, CallOutcome, CallPhase, HoldState } from './types';

/** Everything that can happen to a call, as seen by the engine. */
export type CallMachineEvent =
  /** We sent (or are about to send) an INVITE. */
  | { type: 'dial' }
  /** An INVITE arrived and is being offered to the user. */
  | { type: 'incoming' }
  /** The user accepted the ringing call; the 200 OK is being prepared. */
  | { type: 'answer' }
  /** The dialog is confirmed (2xx received / sent). */
  | { type: 'established' }
  /** The user hung up: CANCEL before the answer, BYE after it. */
  | { type: 'hangup' }
  /** The user declined the ringing call (we answer 486). */
  | { type: 'reject' }
  /** A final non-2xx response to our INVITE. */
  | { type: 'remote-reject'; status: number }
  /** The caller gave up (CANCEL) before we answered; `elsewhere`: a colleague picked it up. */
  | { type: 'remote-cancel'; elsewhere?: boolean }
  /** The far end sent BYE. */
  | { type: 'remote-bye' }
  /** Nobody answered the ringing call in time. */
  | { type: 'no-answer' }
  /** Anything else that kills the call: transport loss, media failure, timeouts. */
  | { type: 'failure'; reason: string }
  /** sip.js has finished tearing the session down. */
  | { type: 'terminated' }
  /** The user asked to hold: our re-INVITE (sendonly) is on its way. */
  | { type: 'hold' }
  /** The hold re-INVITE got its 2xx. */
  | { type: 'hold-ok' }
  /** The hold re-INVITE was refused for good (after any glare retries). */
  | { type: 'hold-failed' }
  /** The user asked to resume: our re-INVITE (sendrecv) is on its way. */
  | { type: 'resume' }
  | { type: 'resume-ok' }
  | { type: 'resume-failed' }
  /** The far end put us on hold (its offer is sendonly/inactive), or took us off it. */
  | { type: 'remote-hold'; held: boolean }
  /** Our transfer of this call succeeded (REFER accepted and the target reached): we leave. */
  | { type: 'transferred' }
  /** An INVITE with Replaces took this call over: we were the target of an attended transfer, or
   *  a colleague picked up the call we were placing. */
  | { type: 'replaced' };

export type CallEventType = CallMachineEvent['type'];

/** Why the call left its live phases; the input to the history outcome. */
export type EndCause =
  | { kind: 'local-cancel' }
  | { kind: 'local-reject' }
  | { kind: 'local-bye' }
  | { kind: 'remote-reject'; status: number }
  | { kind: 'remote-cancel'; elsewhere?: boolean }
  | { kind: 'remote-bye' }
  | { kind: 'no-answer' }
  | { kind: 'transferred' }
  | { kind: 'replaced' }
  | { kind: 'failure'; reason: string };

export interface CallEnd {
  readonly cause: EndCause;
  readonly outcome: CallOutcome;
  /** Short and machine-readable, e.g. 'sip:486', 'cancel', 'bye:local', 'transport'. */
  readonly reason: string;
}

export interface CallMachineState {
  readonly phase: CallPhase;
  /** null only before the first call. */
  readonly direction: CallDirection | null;
  /** Incoming only: the user pressed answer (a failure after this is 'failed', not 'missed'). */
  readonly accepted: boolean;
  /** The call reached 'in-call' at some point. */
  readonly established: boolean;
  /** Set on entering 'ending'; kept in 'idle' so the finished call can still be read. */
  readonly end: CallEnd | null;
  /** Our hold, in 'in-call' only ('none' in every other phase). */
  readonly hold: HoldState;
  /** The far end holds us; in 'in-call' only. */
  readonly remoteHeld: boolean;
}

export const INITIAL_CALL_STATE: CallMachineState = Object.freeze({
  phase: 'idle',
  direction: null,
  accepted: false,
  established: false,
  end: null,
  hold: 'none',
  remoteHeld: false,
});

/** A (phase, event) pair the table does not allow. The machine's state is left untouched. */
export class InvalidCallTransition extends Error {
  override readonly name = 'InvalidCallTransition';
  readonly phase: CallPhase;
  readonly event: CallEventType;

  constructor(phase: CallPhase, event: CallEventType, detail?: string) {
    super(`Call event '${event}' is not allowed in phase '${phase}'${detail ? ` (${detail})` : ''}`);
    this.phase = phase;
    this.event = event;
  }
}

type EventOf<E extends CallEventType> = Extract<CallMachineEvent, { type: E }>;

/** A transition; returns a string instead of a state when a guard refuses the move. */
type Transition<E extends CallEventType = CallEventType> = (
  state: CallMachineState,
  event: EventOf<E>,
) => CallMachineState | string;

type TransitionRow = { readonly [E in CallEventType]?: Transition<E> };

/** Remote answers that mean "a person (or their phone) said no", as opposed to a failure. */
const DECLINE_STATUSES: ReadonlySet<number> = new Set([486, 600, 603]);

/**
 * How a call that reached 'ending' is recorded. Total over all inputs (the table makes most
 * combinations unreachable, but history must never get an undefined outcome).
 */
export function deriveCallEnd(
  direction: CallDirection,
  accepted: boolean,
  established: boolean,
  cause: EndCause,
): CallEnd {
  const reason = reasonFor(cause);
  if (established) return { cause, outcome: 'answered', reason };
  if (direction === 'outgoing') {
    switch (cause.kind) {
      // 'replaced': picked up by someone else while it rang, so we withdrew the INVITE.
      case 'local-cancel':
      case 'replaced':
        return { cause, outcome: 'cancelled', reason };
      case 'remote-reject':
        return { cause, outcome: DECLINE_STATUSES.has(cause.status) ? 'rejected' : 'failed', reason };
      default:
        return { cause, outcome: 'failed', reason };
    }
  }
  switch (cause.kind) {
    case 'local-reject':
      return { cause, outcome: 'rejected', reason };
    case 'remote-cancel':
    case 'no-answer':
      return { cause, outcome: 'missed', reason };
    default:
      // The user never picked up: from their side the call was missed. Once they had
      // pressed answer, a call that still did not connect is a failure worth noticing.
      return { cause, outcome: accepted ? 'failed' : 'missed', reason };
  }
}

function reasonFor(cause: EndCause): string {
  switch (cause.kind) {
    case 'local-cancel':
      return 'cancel';
    case 'remote-cancel':
      // Still 不在 for the ringing phone, but not a call anyone missed: no missed-call alert.
      return cause.elsewhere ? 'elsewhere' : 'cancel';
    case 'local-reject':
      return 'reject:local';
    case 'local-bye':
      return 'bye:local';
    case 'remote-bye':
      return 'bye:remote';
    case 'remote-reject':
      return `sip:${cause.status}`;
    case 'no-answer':
      return 'no-answer';
    case 'transferred':
      return 'transfer';
    case 'replaced':
      return 'replaced';
    case 'failure':
      return cause.reason;
  }
}

function start<E extends 'dial' | 'incoming'>(direction: CallDirection, phase: CallPhase): Transition<E> {
  return () => ({ phase, direction, accepted: false, established: false, end: null, hold: 'none', remoteHeld: false });
}

function establish(state: CallMachineState): CallMachineState | string {
  if (state.direction === 'incoming' && !state.accepted) return 'not answered yet';
  return { ...state, phase: 'in-call', established: true };
}

/** Enter 'ending' with the history outcome fixed by the first thing that ended the call. */
function finish<E extends CallEventType>(causeOf: (event: EventOf<E>) => EndCause): Transition<E> {
  return (state, event) => {
    // Unreachable after 'dial'/'incoming'; a state built by hand could still lack it.
    if (state.direction === null) return 'no call';
    const cause = causeOf(event);
    return {
      ...state,
      phase: 'ending',
      end: deriveCallEnd(state.direction, state.accepted, state.established, cause),
      hold: 'none',
      remoteHeld: false,
    };
  };
}

/** A hold move: allowed only from `from`, to `to`. */
function holdMove<E extends CallEventType>(from: HoldState, to: HoldState): Transition<E> {
  return (state) => (state.hold === from ? { ...state, hold: to } : `hold is '${state.hold}', not '${from}'`);
}

const failure = finish<'failure'>((e) => ({ kind: 'failure', reason: e.reason }));

/**
 * The transition table, keyed by (phase, event). Typed over every CallPhase so that adding
 * a phase to types.ts does not compile until its row is written here.
 */
export const CALL_TRANSITIONS: { readonly [P in CallPhase]: TransitionRow } = {
  idle: {
    dial: start('outgoing', 'calling'),
    incoming: start('incoming', 'ringing'),
  },
  calling: {
    established: establish,
    replaced: finish(() => ({ kind: 'replaced' })),
    hangup: finish(() => ({ kind: 'local-cancel' })),
    'remote-reject': finish<'remote-reject'>((e) => ({ kind: 'remote-reject', status: e.status })),
    failure,
  },
  ringing: {
    answer: (state) => (state.accepted ? 'already answered' : { ...state, accepted: true }),
    established: establish,
    reject: (state, event) =>
      state.accepted ? 'already answered' : finish<'reject'>(() => ({ kind: 'local-reject' }))(state, event),
    'remote-cancel': finish<'remote-cancel'>((e) => ({ kind: 'remote-cancel', elsewhere: e.elsewhere === true })),
    'no-answer': finish(() => ({ kind: 'no-answer' })),
    failure,
  },
  'in-call': {
    hangup: finish(() => ({ kind: 'local-bye' })),
    'remote-bye': finish(() => ({ kind: 'remote-bye' })),
    failure,
    hold: holdMove('none', 'holding'),
    'hold-ok': holdMove('holding', 'held'),
    'hold-failed': holdMove('holding', 'none'),
    resume: holdMove('held', 'resuming'),
    'resume-ok': holdMove('resuming', 'none'),
    'resume-failed': holdMove('resuming', 'held'),
    'remote-hold': (state, event) => ({ ...state, remoteHeld: event.held }),
    transferred: finish(() => ({ kind: 'transferred' })),
    replaced: finish(() => ({ kind: 'replaced' })),
  },
  ending: {
    terminated: (state) => ({ ...state, phase: 'idle' }),
  },
};

/** Every phase, in table order (derived from the table so it cannot drift). */
export const CALL_PHASES: readonly CallPhase[] = Object.freeze(Object.keys(CALL_TRANSITIONS) as CallPhase[]);

// A Record over the event union: adding an event type without listing it here fails to compile.
const EVENT_TYPE_SET: Readonly<Record<CallEventType, true>> = {
  dial: true,
  incoming: true,
  answer: true,
  established: true,
  hangup: true,
  reject: true,
  'remote-reject': true,
  'remote-cancel': true,
  'remote-bye': true,
  'no-answer': true,
  failure: true,
  terminated: true,
  hold: true,
  'hold-ok': true,
  'hold-failed': true,
  resume: true,
  'resume-ok': true,
  'resume-failed': true,
  'remote-hold': true,
  transferred: true,
  replaced: true,
};

/** Every event type. */
export const CALL_EVENT_TYPES: readonly CallEventType[] = Object.freeze(Object.keys(EVENT_TYPE_SET) as CallEventType[]);

/** True when the table has an entry for (phase, event) — guards may still refuse it. */
export function hasCallTransition(phase: CallPhase, type: CallEventType): boolean {
  return CALL_TRANSITIONS[phase][type] !== undefined;
}

/** Pure transition: the next state, or InvalidCallTransition. Never mutates `state`. */
export function callTransition(state: CallMachineState, event: CallMachineEvent): CallMachineState {
  // The row is indexed by the event's own type, so the entry found always accepts this event;
  // TypeScript cannot follow that correlation through a union, hence the widening.
  const transition = CALL_TRANSITIONS[state.phase][event.type] as Transition | undefined;
  if (transition === undefined) throw new InvalidCallTransition(state.phase, event.type);
  const next = transition(state, event);
  if (typeof next === 'string') throw new InvalidCallTransition(state.phase, event.type, next);
  return Object.freeze(next);
}

/** Holds the current state of one call slot; refuses invalid events without changing it. */
export class CallStateMachine {
  #state: CallMachineState;

  constructor(initial: CallMachineState = INITIAL_CALL_STATE) {
    this.#state = initial;
  }

  get state(): CallMachineState {
    return this.#state;
  }

  get phase(): CallPhase {
    return this.#state.phase;
  }

  /** Applies `event`; throws InvalidCallTransition (state unchanged) if it is not allowed. */
  dispatch(event: CallMachineEvent): CallMachineState {
    this.#state = callTransition(this.#state, event);
    return this.#state;
  }

  /** Whether `event` would be accepted now, guards included. */
  can(event: CallMachineEvent): boolean {
    try {
      callTransition(this.#state, event);
      return true;
    } catch (error) {
      if (error instanceof InvalidCallTransition) return false;
      throw error;
    }
  }
}
