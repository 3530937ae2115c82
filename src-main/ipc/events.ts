import { eventContract, type EventChannel, type EventPayloadOf } from '../../src-preload/contract';

export type SendEvent = <E extends EventChannel>(channel: E, payload: EventPayloadOf<E>) => void;

/** Sends a main → renderer event after checking it against the contract, so main cannot push
 *  a shape the preload would drop. `deliver` is webContents.send in the app, a page call in e2e. */
export function createEventSender(deliver: (channel: EventChannel, payload: unknown) => void): SendEvent {
  return (channel, payload) => {
    deliver(channel, eventContract[channel].parse(payload));
  };
}
