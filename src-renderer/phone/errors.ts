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
  /** Every line is in use (the engine's call limit). */
  | 'busy'
  /** No call with that id exists (it ended meanwhile). */
  | 'no-such-call'
  /** The request does not fit the current call phase (e.g. answer() with nothing ringing). */
  | 'invalid-phase'
  /** The far end refused a hold/resume re-INVITE, or glare retries ran out. */
  | 'hold-refused'
  /** The DTMF input had characters other than 0-9 * # A-D. */
  | 'invalid-dtmf'
  /** A transfer did not go through (REFER refused, target unreachable, no answer in time). */
  | 'transfer-failed';

/** A verb was refused because of the engine's state; nothing was sent. */
export class PhoneEngineError extends Error {
  override readonly name = 'PhoneEngineError';
  readonly code: PhoneEngineErrorCode;

  constructor(code: PhoneEngineErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
