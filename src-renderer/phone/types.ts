// The phone engine's public surface. The UI and the call-history wiring depend only on
// these types; sip.js stays behind `SipJsPhoneEngine` so that the library (0.21.x, quiet
// upstream) can be patched or replaced without touching the UI.

import type { MessageSummary, WatchedDialog } from './presence-parsers';

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
  /** Seconds between OPTIONS keepalives that prove the connection is alive; 0 = none. */
  keepaliveIntervalSec?: number | undefined;
  /**
   * How keypad digits reach the far end during a call. 'rfc4733': RTP telephone-event when the
   * far end negotiated it, SIP INFO otherwise; 'info': always SIP INFO (gateways that drop
   * Chrome's end-only telephone-events on opus).
   */
  dtmfMode?: DtmfMode | undefined;
}

export type DtmfMode = 'rfc4733' | 'info';

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
  | {
      kind: 'failed';
      reason: RegistrationFailure;
      detail: string;
      /** 'unreachable' after the connection had been up (接続が切れました). */
      lost?: boolean;
      /** 'unreachable': when the next connection attempt is due (epoch ms). */
      retryAt?: number;
    };

/** The call phases the user sees; see `call-state-machine.ts` for allowed moves. */
export type CallPhase = 'idle' | 'calling' | 'ringing' | 'in-call' | 'ending';

/**
 * Our hold on an in-call call. 'holding' / 'resuming': the re-INVITE is out (the button shows
 * it is working, the status does not change yet); 'held': the far end accepted, 保留中.
 */
export type HoldState = 'none' | 'holding' | 'held' | 'resuming';

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

/** How a call goes out: the line chosen on the line pad. */
export interface DialOptions {
  /** Dialled in front of a number (an outside-line or line-selection code). */
  prefix?: string | undefined;
  /** Caller ID to ask the PBX for (P-Preferred-Identity). */
  identity?: string | undefined;
}

/** One call as the engine sees it now. */
export interface CallSnapshot {
  readonly info: CallInfo;
  readonly phase: CallPhase;
  readonly hold: HoldState;
  /** The far end holds us. */
  readonly remoteHeld: boolean;
}

export type TransferFailure =
  /** The far end refused the REFER, or the transfer target did not answer (sipfrag ≥ 300). */
  | 'refused'
  /** No answer to the REFER, or no NOTIFY in time. */
  | 'timeout';

export type CallEvent =
  | { type: 'started'; call: CallInfo }
  | { type: 'phase'; call: CallInfo; phase: CallPhase }
  | { type: 'answered'; call: CallInfo }
  | { type: 'ended'; call: CallInfo; outcome: CallOutcome; reason: string | null }
  | { type: 'remote-media'; call: CallInfo; stream: MediaStream }
  /** Our hold state or the far end's hold on us changed. */
  | { type: 'hold'; call: CallInfo; hold: HoldState; remoteHeld: boolean }
  /** A transfer we started did not go through; the call is still ours. */
  | { type: 'transfer-failed'; call: CallInfo; reason: TransferFailure }
  /** The far end transferred us (REFER): `call` is the new call to the transfer target. */
  | { type: 'transferred-to'; call: CallInfo; from: CallInfo };

/**
 * Where an engine learns which microphone to use: the device chosen in デバイス設定 if it is
 * present, else the default (see phone/audio-devices.ts). Several engines (one per account) may
 * share one source.
 */
export interface MicrophoneSource {
  /** A deviceId from enumerateDevices(), or null for the system default. */
  readonly microphoneId: string | null;
  /** Called when the microphone to use changes (chosen, unplugged, back); returns unsubscribe. */
  onMicrophoneChange(listener: (deviceId: string | null) => void): () => void;
}

/**
 * Several calls may exist at once (call waiting, a consultation beside a held call). Verbs take
 * the call's id; the controller decides which call the user means. The engine never holds or
 * switches calls on its own.
 */
export interface PhoneEngine {
  /** Connects and registers. Resolves once the first attempt has been sent. */
  start(config: SipAccountConfig): Promise<void>;
  /** Unregisters (best effort) and disconnects; ends every call. */
  stop(): Promise<void>;
  /**
   * Places a call to a dial string (digits, *, #, +) or a SIP URI and returns its id as soon as
   * the call exists ('started' has gone out); the INVITE follows.
   */
  dial(target: string, options?: DialOptions): Promise<string>;
  answer(callId: string): Promise<void>;
  /** Rejects a ringing call with 486 Busy Here (sip.js' default, 480, reads as "unavailable"). */
  reject(callId: string): Promise<void>;
  /** Ends a call in any phase: CANCEL before answer, 486 while ringing, BYE after. */
  hangup(callId: string): Promise<void>;
  /**
   * Holds an in-call call (re-INVITE, sendonly). Resolves when the hold took effect ('held') or
   * failed ('none' again, with the error). A 491 (glare) is retried after RFC 3261's delay.
   */
  hold(callId: string): Promise<void>;
  /** Takes a held call off hold (re-INVITE, sendrecv); 491 retried as for hold. */
  resume(callId: string): Promise<void>;
  /** Sends DTMF digits (0-9 * # A-D) on an in-call call; returns how they were sent. */
  sendDtmf(callId: string, tones: string): Promise<DtmfMode>;
  /** Blind transfer: REFER the far end of `callId` to `target`; we leave once it is accepted. */
  blindTransfer(callId: string, target: string): Promise<void>;
  /**
   * Attended transfer: REFER the far end of `heldCallId` to the far end of `consultationCallId`
   * with Replaces, so the two are joined and we leave both calls.
   */
  attendedTransfer(heldCallId: string, consultationCallId: string): Promise<void>;
  /**
   * Mutes or unmutes the microphone of a call (the local audio track is disabled, so silence is
   * sent and no re-INVITE is needed). Returns the resulting state: false when the call has no
   * media. A new call always starts unmuted.
   */
  setMuted(callId: string, muted: boolean): boolean;
  /**
   * The microphone to use (デバイス設定): a deviceId from enumerateDevices(), null for the system
   * default. New calls ask getUserMedia for exactly this device; every call that already has a
   * microphone is switched at once (RTCRtpSender.replaceTrack: no re-INVITE; mute and hold are
   * kept, the old track is stopped). An engine given a MicrophoneSource follows it by itself.
   */
  setMicrophone(deviceId: string | null): Promise<void>;
  /**
   * Lights a lamp from a colleague's or a park slot's dialog state (SUBSCRIBE dialog). The
   * listener gets the live dialogs after every NOTIFY; the subscription follows registration
   * (made once registered, renewed after a reconnect) until the returned function is called.
   */
  watchDialogs(target: string, listener: (dialogs: WatchedDialog[]) => void): () => void;
  /** Voicemail waiting for our own mailbox (SUBSCRIBE message-summary). */
  watchMessageSummary(listener: (summary: MessageSummary) => void): () => void;
  /**
   * The network may have changed (resume from sleep, unlock, network back): reconnect now if
   * disconnected, else check the connection with a keepalive at once.
   */
  checkConnection(): void;
  readonly registration: RegistrationState;
  /** Every call that exists now, oldest first. */
  readonly calls: readonly CallSnapshot[];
  onRegistration(listener: (state: RegistrationState) => void): () => void;
  onCall(listener: (event: CallEvent) => void): () => void;
}
