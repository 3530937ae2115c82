import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  CALL_EVENT_TYPES,
  CALL_PHASES,
  CALL_TRANSITIONS,
  CallStateMachine,
  INITIAL_CALL_STATE,
  InvalidCallTransition,
  callTransition,
  deriveCallEnd,
  hasCallTransition,
  type CallEventType,
  type CallMachineEvent,
  type CallMachineState,
  type EndCause,
} from '../../../src-renderer/phone/call-state-machine';
import type { CallOutcome, CallPhase } from '../../../src-renderer/phone/types';

/** A representative event for each type (payloads where the type needs one). */
function eventOf(type: CallEventType): CallMachineEvent {
  switch (type) {
    case 'remote-reject':
      return { type, status: 486 };
    case 'failure':
      return { type, reason: 'transport' };
    case 'remote-hold':
      return { type, held: true };
    default:
      return { type } as CallMachineEvent;
  }
}

function run(...events: CallMachineEvent[]): CallMachineState {
  return events.reduce(callTransition, INITIAL_CALL_STATE);
}

const dial: CallMachineEvent = { type: 'dial' };
const incoming: CallMachineEvent = { type: 'incoming' };
const answer: CallMachineEvent = { type: 'answer' };
const established: CallMachineEvent = { type: 'established' };
const hangup: CallMachineEvent = { type: 'hangup' };
const terminated: CallMachineEvent = { type: 'terminated' };

/** Every kind of state the machine can be in, reached through real event paths. */
const REACHABLE: ReadonlyArray<{ name: string; state: CallMachineState }> = [
  { name: 'idle (fresh)', state: INITIAL_CALL_STATE },
  { name: 'idle (after a call)', state: run(dial, hangup, terminated) },
  { name: 'calling', state: run(dial) },
  { name: 'ringing', state: run(incoming) },
  { name: 'ringing (answered, not yet established)', state: run(incoming, answer) },
  { name: 'in-call (outgoing)', state: run(dial, established) },
  { name: 'in-call (incoming)', state: run(incoming, answer, established) },
  { name: 'in-call (holding)', state: run(dial, established, { type: 'hold' }) },
  { name: 'in-call (held)', state: run(dial, established, { type: 'hold' }, { type: 'hold-ok' }) },
  { name: 'in-call (resuming)', state: run(dial, established, { type: 'hold' }, { type: 'hold-ok' }, { type: 'resume' }) },
  { name: 'ending (outgoing)', state: run(dial, hangup) },
  { name: 'ending (incoming)', state: run(incoming, { type: 'reject' }) },
];

// The documented table (the module's header comment and the report): phase × event → phase.
const EXPECTED: ReadonlyArray<[CallPhase, CallEventType, CallPhase]> = [
  ['idle', 'dial', 'calling'],
  ['idle', 'incoming', 'ringing'],
  ['calling', 'established', 'in-call'],
  ['calling', 'hangup', 'ending'],
  ['calling', 'remote-reject', 'ending'],
  ['calling', 'failure', 'ending'],
  ['calling', 'replaced', 'ending'],
  ['ringing', 'answer', 'ringing'],
  ['ringing', 'established', 'in-call'],
  ['ringing', 'reject', 'ending'],
  ['ringing', 'remote-cancel', 'ending'],
  ['ringing', 'no-answer', 'ending'],
  ['ringing', 'failure', 'ending'],
  ['in-call', 'hangup', 'ending'],
  ['in-call', 'remote-bye', 'ending'],
  ['in-call', 'failure', 'ending'],
  ['in-call', 'hold', 'in-call'],
  ['in-call', 'hold-ok', 'in-call'],
  ['in-call', 'hold-failed', 'in-call'],
  ['in-call', 'resume', 'in-call'],
  ['in-call', 'resume-ok', 'in-call'],
  ['in-call', 'resume-failed', 'in-call'],
  ['in-call', 'remote-hold', 'in-call'],
  ['in-call', 'transferred', 'ending'],
  ['in-call', 'replaced', 'ending'],
  ['ending', 'terminated', 'idle'],
];

/** A state in `phase` from which `type` passes its guards (for the valid-transition tests). */
function stateFor(phase: CallPhase, type: CallEventType): CallMachineState {
  if (phase === 'ringing' && type === 'established') return run(incoming, answer);
  // Each hold move from the one hold state it leaves.
  const holdFrom: Partial<Record<CallEventType, string>> = {
    'hold-ok': 'in-call (holding)',
    'hold-failed': 'in-call (holding)',
    resume: 'in-call (held)',
    'resume-ok': 'in-call (resuming)',
    'resume-failed': 'in-call (resuming)',
  };
  const named = holdFrom[type];
  if (phase === 'in-call' && named) return REACHABLE.find((r) => r.name === named)!.state;
  const found = REACHABLE.find((r) => r.state.phase === phase);
  if (!found) throw new Error(`no reachable state in ${phase}`);
  return found.state;
}

describe('call state machine: the table', () => {
  it('covers exactly the phases of CallPhase', () => {
    expect([...CALL_PHASES].sort()).toEqual(['calling', 'ending', 'idle', 'in-call', 'ringing']);
    expect(Object.keys(CALL_TRANSITIONS).sort()).toEqual([...CALL_PHASES].sort());
  });

  it('has exactly the documented entries', () => {
    const actual = CALL_PHASES.flatMap((phase) =>
      CALL_EVENT_TYPES.filter((type) => hasCallTransition(phase, type)).map((type) => `${phase} --${type}-->`),
    );
    expect(actual.sort()).toEqual(EXPECTED.map(([p, e]) => `${p} --${e}-->`).sort());
  });

  it.each(EXPECTED)('%s --%s--> %s', (from, type, to) => {
    const before = stateFor(from, type);
    const after = callTransition(before, eventOf(type));
    expect(after.phase).toBe(to);
    // Pure: the input state object is never modified.
    expect(before.phase).toBe(from);
  });

  it('reaches every phase from idle', () => {
    const phases = new Set(REACHABLE.map((r) => r.state.phase));
    expect([...phases].sort()).toEqual([...CALL_PHASES].sort());
  });
});

describe('call state machine: refused moves', () => {
  // Generated from the table, so a new phase or event is checked without editing this list.
  const invalidPairs = REACHABLE.flatMap(({ name, state }) =>
    CALL_EVENT_TYPES.filter((type) => !hasCallTransition(state.phase, type)).map(
      (type) => [name, state, type] as const,
    ),
  );

  it('has something to check for every phase', () => {
    for (const phase of CALL_PHASES) {
      expect(invalidPairs.some(([, state]) => state.phase === phase)).toBe(true);
    }
  });

  it.each(invalidPairs.map(([name, state, type]) => [name, type, state] as const))(
    '%s refuses %s and stays unchanged',
    (_name, type, state) => {
      const machine = new CallStateMachine(state);
      let thrown: unknown;
      try {
        machine.dispatch(eventOf(type));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidCallTransition);
      const error = thrown as InvalidCallTransition;
      expect(error.name).toBe('InvalidCallTransition');
      expect(error.phase).toBe(state.phase);
      expect(error.event).toBe(type);
      expect(machine.state).toBe(state);
      expect(machine.can(eventOf(type))).toBe(false);
    },
  );

  it('refuses a second answer', () => {
    const machine = new CallStateMachine(run(incoming, answer));
    const before = machine.state;
    expect(() => machine.dispatch(answer)).toThrow(InvalidCallTransition);
    expect(machine.state).toBe(before);
  });

  it('refuses reject after answer (the 200 OK may already be out)', () => {
    const machine = new CallStateMachine(run(incoming, answer));
    const before = machine.state;
    expect(() => machine.dispatch({ type: 'reject' })).toThrow(InvalidCallTransition);
    expect(machine.state).toBe(before);
  });

  it('refuses an incoming call becoming established before it was answered', () => {
    const machine = new CallStateMachine(run(incoming));
    const before = machine.state;
    expect(() => machine.dispatch(established)).toThrow(/not answered yet/);
    expect(machine.state).toBe(before);
  });

  it('refuses ending a call on a hand-built state with no direction', () => {
    const state: CallMachineState = { ...INITIAL_CALL_STATE, phase: 'calling' };
    expect(() => callTransition(state, hangup)).toThrow(InvalidCallTransition);
  });

  it('refuses hold moves from the wrong hold state, and leaves it unchanged', () => {
    const active = run(dial, established);
    const held = run(dial, established, { type: 'hold' }, { type: 'hold-ok' });
    const holding = run(dial, established, { type: 'hold' });
    const refused: ReadonlyArray<[CallMachineState, CallEventType]> = [
      [active, 'hold-ok'],
      [active, 'resume'],
      [active, 'resume-ok'],
      [holding, 'hold'],
      [holding, 'resume'],
      [held, 'hold'],
      [held, 'hold-ok'],
      [held, 'resume-ok'],
    ];
    for (const [state, type] of refused) {
      const machine = new CallStateMachine(state);
      expect(() => machine.dispatch(eventOf(type)), `${state.hold} ${type}`).toThrow(InvalidCallTransition);
      expect(machine.state).toBe(state);
    }
  });

  it('shows held only after the far end accepted, and falls back honestly on refusal', () => {
    const holding = run(dial, established, { type: 'hold' });
    expect(holding.hold).toBe('holding');
    expect(callTransition(holding, { type: 'hold-ok' }).hold).toBe('held');
    expect(callTransition(holding, { type: 'hold-failed' }).hold).toBe('none');
    const resuming = run(dial, established, { type: 'hold' }, { type: 'hold-ok' }, { type: 'resume' });
    expect(callTransition(resuming, { type: 'resume-failed' }).hold).toBe('held');
    expect(callTransition(resuming, { type: 'resume-ok' }).hold).toBe('none');
  });

  it('hangs up from every hold state', () => {
    for (const name of ['in-call (holding)', 'in-call (held)', 'in-call (resuming)']) {
      const state = REACHABLE.find((r) => r.name === name)!.state;
      const ending = callTransition(state, hangup);
      expect(ending).toMatchObject({ phase: 'ending', hold: 'none', end: { outcome: 'answered', reason: 'bye:local' } });
    }
  });

  it('returns frozen states', () => {
    expect(Object.isFrozen(run(dial))).toBe(true);
    expect(Object.isFrozen(INITIAL_CALL_STATE)).toBe(true);
  });
});

describe('call state machine: history outcome', () => {
  const cases: ReadonlyArray<[string, CallMachineEvent[], CallOutcome, string]> = [
    ['outgoing answered, we hang up', [dial, established, hangup], 'answered', 'bye:local'],
    ['outgoing answered, they hang up', [dial, established, { type: 'remote-bye' }], 'answered', 'bye:remote'],
    ['outgoing answered, transport lost', [dial, established, { type: 'failure', reason: 'transport' }], 'answered', 'transport'],
    ['outgoing cancelled by us', [dial, hangup], 'cancelled', 'cancel'],
    ['outgoing busy', [dial, { type: 'remote-reject', status: 486 }], 'rejected', 'sip:486'],
    ['outgoing declined everywhere', [dial, { type: 'remote-reject', status: 603 }], 'rejected', 'sip:603'],
    ['outgoing busy everywhere', [dial, { type: 'remote-reject', status: 600 }], 'rejected', 'sip:600'],
    ['outgoing not found', [dial, { type: 'remote-reject', status: 404 }], 'failed', 'sip:404'],
    ['outgoing unavailable', [dial, { type: 'remote-reject', status: 480 }], 'failed', 'sip:480'],
    ['outgoing server error', [dial, { type: 'remote-reject', status: 503 }], 'failed', 'sip:503'],
    ['outgoing redirect', [dial, { type: 'remote-reject', status: 302 }], 'failed', 'sip:302'],
    ['outgoing transport error', [dial, { type: 'failure', reason: 'transport' }], 'failed', 'transport'],
    ['outgoing microphone failure', [dial, { type: 'failure', reason: 'media' }], 'failed', 'media'],
    ['incoming answered, we hang up', [incoming, answer, established, hangup], 'answered', 'bye:local'],
    ['incoming answered, they hang up', [incoming, answer, established, { type: 'remote-bye' }], 'answered', 'bye:remote'],
    ['incoming rejected by us', [incoming, { type: 'reject' }], 'rejected', 'reject:local'],
    ['incoming cancelled by the caller', [incoming, { type: 'remote-cancel' }], 'missed', 'cancel'],
    ['incoming caller gave up while we were answering', [incoming, answer, { type: 'remote-cancel' }], 'missed', 'cancel'],
    ['incoming not answered in time', [incoming, { type: 'no-answer' }], 'missed', 'no-answer'],
    ['incoming lost before we answered', [incoming, { type: 'failure', reason: 'transport' }], 'missed', 'transport'],
    ['incoming failed after we answered', [incoming, answer, { type: 'failure', reason: 'media' }], 'failed', 'media'],
    ['held call transferred by us', [incoming, answer, established, { type: 'hold' }, { type: 'hold-ok' }, { type: 'transferred' }], 'answered', 'transfer'],
    ['consultation replaced at the target', [incoming, answer, established, { type: 'replaced' }], 'answered', 'replaced'],
    ['our ringing call picked up by a colleague', [dial, { type: 'replaced' }], 'cancelled', 'replaced'],
    ['incoming picked up by a colleague', [incoming, { type: 'remote-cancel', elsewhere: true }], 'missed', 'elsewhere'],
    ['held call, the far end hangs up', [dial, established, { type: 'hold' }, { type: 'hold-ok' }, { type: 'remote-bye' }], 'answered', 'bye:remote'],
  ];

  it.each(cases)('%s → %s (%s)', (_name, events, outcome, reason) => {
    const ending = run(...events);
    expect(ending.phase).toBe('ending');
    expect(ending.end).toMatchObject({ outcome, reason });
    // The record survives the return to idle, and a later event cannot rewrite it.
    const idle = callTransition(ending, terminated);
    expect(idle.phase).toBe('idle');
    expect(idle.end).toEqual(ending.end);
  });

  it('starts the next call with a clean record', () => {
    const next = run(dial, hangup, terminated, incoming);
    expect(next).toEqual({ phase: 'ringing', direction: 'incoming', accepted: false, established: false, end: null, hold: 'none', remoteHeld: false });
  });

  it('deriveCallEnd is total and direction-sensible for every cause', () => {
    const causes: EndCause[] = [
      { kind: 'local-cancel' },
      { kind: 'local-reject' },
      { kind: 'local-bye' },
      { kind: 'remote-reject', status: 486 },
      { kind: 'remote-reject', status: 500 },
      { kind: 'remote-cancel' },
      { kind: 'remote-bye' },
      { kind: 'no-answer' },
      { kind: 'transferred' },
      { kind: 'replaced' },
      { kind: 'failure', reason: 'transport' },
    ];
    for (const direction of ['outgoing', 'incoming'] as const) {
      for (const accepted of [false, true]) {
        for (const cause of causes) {
          const answered = deriveCallEnd(direction, accepted, true, cause);
          expect(answered.outcome).toBe('answered');
          const notAnswered = deriveCallEnd(direction, accepted, false, cause);
          expect(notAnswered.outcome).not.toBe('answered');
          // An incoming call is never 'cancelled' (that is the caller's word), an outgoing one never 'missed'.
          if (direction === 'incoming') expect(notAnswered.outcome).not.toBe('cancelled');
          else expect(notAnswered.outcome).not.toBe('missed');
          expect(notAnswered.reason).toMatch(/^[a-z0-9:-]+$/);
        }
      }
    }
  });
});

describe('call state machine: random event sequences', () => {
  const eventArb: fc.Arbitrary<CallMachineEvent> = fc.oneof(
    fc.constantFrom<CallMachineEvent>(
      dial,
      incoming,
      answer,
      established,
      hangup,
      { type: 'reject' },
      { type: 'remote-cancel' },
      { type: 'remote-cancel', elsewhere: true },
      { type: 'remote-bye' },
      { type: 'no-answer' },
      terminated,
      { type: 'hold' },
      { type: 'hold-ok' },
      { type: 'hold-failed' },
      { type: 'resume' },
      { type: 'resume-ok' },
      { type: 'resume-failed' },
      { type: 'remote-hold', held: true },
      { type: 'remote-hold', held: false },
      { type: 'transferred' },
      { type: 'replaced' },
    ),
    fc.integer({ min: 300, max: 699 }).map((status): CallMachineEvent => ({ type: 'remote-reject', status })),
    fc.constantFrom('transport', 'media', 'sip:408', 'error').map((reason): CallMachineEvent => ({ type: 'failure', reason })),
  );
  const OUTCOMES: ReadonlySet<CallOutcome> = new Set(['answered', 'missed', 'rejected', 'cancelled', 'failed']);

  it('never leaves the machine in an undefined phase or an inconsistent state', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        const machine = new CallStateMachine();
        for (const event of events) {
          const before = machine.state;
          try {
            machine.dispatch(event);
          } catch (error) {
            if (!(error instanceof InvalidCallTransition)) throw error;
            if (machine.state !== before) return false;
          }
          const s = machine.state;
          if (!CALL_PHASES.includes(s.phase)) return false;
          if (s.phase !== 'idle' && s.direction === null) return false;
          if (s.phase === 'ending' && s.end === null) return false;
          if ((s.phase === 'calling' || s.phase === 'ringing' || s.phase === 'in-call') && s.end !== null) return false;
          if (s.end !== null && !OUTCOMES.has(s.end.outcome)) return false;
          if (s.phase === 'in-call' && !s.established) return false;
          if (s.direction === 'outgoing' && s.accepted) return false;
          // Hold exists only while the call is up.
          if (s.phase !== 'in-call' && (s.hold !== 'none' || s.remoteHeld)) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
