// Errors the phone engine throws at its callers. Kept apart from sip.js (and from the engine
// module) so UI code can test `instanceof` without pulling the SIP stack into its imports.

/** The user's input is neither a dial string nor a SIP URI we are willing to call. */
export class InvalidDialTarget extends Error {
  override readonly name = 'InvalidDialTarget';
}

/** The account configuration handed to `start()` cannot work (bad URI, server, timeouts…). */
export class InvalidPhoneConfig extends Error {
  override readonly name = 'InvalidPhoneConfig';
}

export type PhoneEngineErrorCode =
  /** start() has not been called (or stop() has). */
  | 'not-started'
  /** start() while already started: call stop() first. */
  | 'already-started'
  /** One call at a time: a call already exists. */
  | 'busy'
  /** The request does not fit the current call phase (e.g. answer() with nothing ringing). */
  | 'invalid-phase';

/** A verb was refused because of the engine's state; nothing was sent. */
export class PhoneEngineError extends Error {
  override readonly name = 'PhoneEngineError';
  readonly code: PhoneEngineErrorCode;

  constructor(code: PhoneEngineErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
