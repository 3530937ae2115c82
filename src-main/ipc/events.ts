import { eventContract, type EventChannel, type EventPayloadOf } from '../../src-preload/contract';

export type SendEvent = <E extends EventChannel>(channel: E, payload: EventPayloadOf<E>) => void;

/** Sends a main → renderer event after checking it against the contract, so main cannot push
 *  a shape the preload would drop. `deliver` is webContents.send in the app, a page call in e2e. */
export function createEventSender(deliver: (channel: EventChannel, payload: unknown) => void): SendEvent {
  return (channel, payload) => {
    deliver(channel, eventContract[channel].parse(payload));
  };
}

export interface EventHub {
  send: SendEvent;
  /** Connects the page (webContents.send, or the e2e page); returns the disconnect function.
   *  Events sent while nothing is attached are dropped, as webContents.send drops them. */
  attach(deliver: (channel: EventChannel, payload: unknown) => void): () => void;
}

/** Services are created before the window exists; they send through this hub. */
export function createEventHub(): EventHub {
  let target: ((channel: EventChannel, payload: unknown) => void) | null = null;
  return {
    send: createEventSender((channel, payload) => target?.(channel, payload)),
    attach(deliver) {
      target = deliver;
      return () => {
        if (target === deliver) target = null;
      };
    },
  };
}
