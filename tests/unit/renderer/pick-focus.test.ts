import { describe, expect, it } from 'vitest';
import { pickFocus, type LineView } from '../../../src-renderer/app/phone-controller';
import type { CallPhase, HoldState } from '../../../src-renderer/phone/types';

const line = (id: string, phase: CallPhase, hold: HoldState = 'none'): LineView => ({
  info: { id, direction: 'incoming', remoteNumber: id, remoteName: null, sipCallId: null },
  phase,
  hold,
  remoteHeld: false,
  muted: false,
  contact: null,
  remoteStream: null,
  consultationFor: null,
  pickedUpFrom: null,
  accountId: 'a1',
});

describe('pickFocus: which call the buttons act on', () => {
  it('keeps the focused call while it exists', () => {
    expect(pickFocus([line('a', 'in-call'), line('b', 'in-call', 'held')], 'b')).toBe('b');
  });

  it('moves to the call being talked on, then one being set up, then a held one, then a ringing one', () => {
    expect(pickFocus([line('r', 'ringing'), line('h', 'in-call', 'held'), line('c', 'calling'), line('t', 'in-call')], 'gone')).toBe('t');
    expect(pickFocus([line('r', 'ringing'), line('h', 'in-call', 'held'), line('c', 'calling')], 'gone')).toBe('c');
    expect(pickFocus([line('r', 'ringing'), line('h', 'in-call', 'held')], null)).toBe('h');
    expect(pickFocus([line('r', 'ringing')], null)).toBe('r');
  });

  it('has nothing to focus without calls', () => {
    expect(pickFocus([], 'gone')).toBeNull();
  });
});
