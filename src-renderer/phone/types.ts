// The phone engine's public surface. The UI and the call-history wiring depend only on
// these types; sip.js stays behind `SipJsPhoneEngine` so that the library (0.21.x, quiet
// upstream) can be patched or replaced without touching the UI.

/** What the engine needs to register one SIP account. */
export interface SipAccountConfig {
  /** Extension / user ID: the user part of the AOR (e.g. "1001"). */
  user: string;
  /** Digest authorisation user name; usually the same as `user`. */
  authorizationUser: string;
  password: string;
  /** SIP domain (e.g. "lab.test" or "tenant.pbx.example.jp"). */
  domain: string;
  /** SIP-over-WebSocket server, `wss://…` (or `ws://` on loopback). */
  wsServer: string;
  /** Optional outbound proxy as a SIP URI (`sip:proxy.example.jp;transport=ws`). */
  outboundProxy?: string | undefined;
  displayName?: string | undefined;
  /**
   * ICE servers. Always explicit: sip.js would otherwise use a public STUN server,
   * leaking the user's address to a third party and slowing every call.
   */
  iceServers: RTCIceServer[];
  /** Upper bound for ICE candidate gathering before the INVITE/200 goes out. */
  iceGatheringTimeoutMs: number;
  /** REGISTER expiry asked for, in seconds. */
  registerExpiresSec: number;
}

export type RegistrationFailure =
  /** 401/403/407 after credentials were sent: wrong user ID or password. */
  | 'auth'
  /** The WebSocket could not be opened or was lost. */
  | 'unreachable'
  /** Any other final error to REGISTER (e.g. 404, 503). */
  | 'rejected';

export type RegistrationState =
  | { kind: 'unregistered' }
  | { kind: 'registering' }
  | { kind: 'registered' }
  | { kind: 'failed'; reason: RegistrationFailure; detail: string };

/** The call phases the user sees; see `call-state-machine.ts` for allowed moves. */
export type CallPhase = 'idle' | 'calling' | 'ringing' | 'in-call' | 'ending';

export type CallDirection = 'outgoing' | 'incoming';

/** How a call ended, as recorded in the history. */
export type CallOutcome = 'answered' | 'missed' | 'rejected' | 'cancelled' | 'failed';

export interface CallInfo {
  /** Our own id for the call (UUID), used as the history key. */
  id: string;
  direction: CallDirection;
  /** Remote user part / number as received or dialled (never markup; shown as text). */
  remoteNumber: string;
  /** Remote display name if the far end sent one. Hostile input: render as text only. */
  remoteName: string | null;
  /** SIP Call-ID, for correlating with server logs. */
  sipCallId: string | null;
}

export type CallEvent =
  | { type: 'started'; call: CallInfo }
  | { type: 'phase'; call: CallInfo; phase: CallPhase }
  | { type: 'answered'; call: CallInfo }
  | { type: 'ended'; call: CallInfo; outcome: CallOutcome; reason: string | null }
  | { type: 'remote-media'; call: CallInfo; stream: MediaStream };

export interface PhoneEngine {
  /** Connects and registers. Resolves once the first attempt has been sent. */
  start(config: SipAccountConfig): Promise<void>;
  /** Unregisters (best effort) and disconnects; ends any call. */
  stop(): Promise<void>;
  /** Places a call to a dial string (digits, *, #, +) or a SIP URI. */
  dial(target: string): Promise<void>;
  answer(): Promise<void>;
  /** Rejects the ringing call with 486 Busy Here (sip.js' default, 480, reads as "unavailable"). */
  reject(): Promise<void>;
  /** Hangs up whatever call exists: CANCEL before answer, BYE after. */
  hangup(): Promise<void>;
  /**
   * Mutes or unmutes the microphone of the current call (the local audio track is disabled, so
   * silence is sent and no re-INVITE is needed). Returns the resulting state: false when there
   * is no call with media. A new call always starts unmuted.
   */
  setMuted(muted: boolean): boolean;
  readonly registration: RegistrationState;
  readonly phase: CallPhase;
  onRegistration(listener: (state: RegistrationState) => void): () => void;
  onCall(listener: (event: CallEvent) => void): () => void;
}
