import type { BridgeErrorCode } from '../../src-preload/contract';

/** An expected failure a service reports to the caller (as opposed to a bug). The IPC layer
 *  turns it into a structured bridge error; anything else becomes 'internal' and is logged. */
export class ServiceError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
