// The PhoneEngine on top of sip.js 0.21.2, using its UserAgent / Registerer / Inviter /
// Invitation directly. SimpleUser and SessionManager are avoided on purpose: they throw the
// registration and every call away on a transport error and give up reconnecting after three
// tries, and a desk phone that silently stops ringing is the worst failure a softphone has.
//
// Split of responsibilities:
//   - call-state-machine.ts decides phases and history outcomes (pure, unit-tested);
//   - sip-helpers.ts holds the pure bits (dial targets, hostile text, backoff, failure mapping);
//   - this file only translates between sip.js callbacks and those two, and owns the timers
//     that keep the connection and the registration alive.
// Nothing from sip.js leaves this file: callers see the types in types.ts only.

import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  RequestPendingError,
  SIPExtension,
  SessionState,
  Subscriber,
  SubscriptionState,
  UserAgent,
  Web,
  type Bye,
  type Cancel,
  type Info,
  type LogLevel,
  type Notification,
  type Referral,
  type Session,
  type URI,
  type UserAgentOptions,
} from 'sip.js';

import {
  DTMF_DURATION_MS,
  DTMF_GAP_MS,
  acceptableReferTarget,
  dtmfInfoBody,
  glareRetryDelayMs,
  normalizeDtmf,
  parseDtmfInfo,
  replacesHeaderParam,
  sdpHoldsUs,
  sipfragStatus,
  transferProgress,
} from './call-control-helpers';
import { CallStateMachine, InvalidCallTransition, type CallMachineEvent } from './call-state-machine';
import { mergeDialogs, parseDialogInfo, parseMessageSummary, type MessageSummary, type WatchedDialog } from './presence-parsers';
import { InvalidDialTarget, InvalidPhoneConfig, PhoneEngineError } from './errors';
import {
  DEFAULT_RECONNECT_BACKOFF,
  backoffDelayMs,
  buildDialTarget,
  classifyRegisterFailure,
  describeRemoteParty,
  isPlausibleDomain,
  newCallId,
  outboundProxyRoute,
  sanitizeDisplayName,
  sanitizeRemoteText,
  shortErrorText,
  type BackoffPolicy,
} from './sip-helpers';
import type {
  CallEvent,
  CallInfo,
  CallSnapshot,
  DialOptions,
  DtmfMode,
  MicrophoneSource,
  PhoneEngine,
  RegistrationState,
  SipAccountConfig,
  TransferFailure,
} from './types';

export type PhoneLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Receives the engine's own diagnostics and, when given, sip.js' log lines at `sipLogLevel` or
 * above. Never gets passwords or whole SIP messages: sip.js' `traceSip` stays off whatever is
 * configured here, and its configuration dump (which would include the password) is disabled.
 */
export type PhoneEngineLogger = (level: PhoneLogLevel, message: string) => void;

export interface SipJsPhoneEngineOptions {
  logger?: PhoneEngineLogger | undefined;
  /** sip.js' own verbosity, routed to `logger`. Default 'error'. */
  sipLogLevel?: LogLevel | undefined;
  /** Reconnect schedule for the WebSocket (default 1 s doubling to 30 s, +20 % jitter). */
  reconnectBackoff?: Partial<BackoffPolicy> | undefined;
  /** WebSocket connect timeout in seconds (sip.js default 5). */
  connectionTimeoutSec?: number | undefined;
  /** Seconds an unanswered incoming call rings before it is ended as missed (sip.js default 60). */
  noAnswerTimeoutSec?: number | undefined;
  /** Injectable for tests of the backoff; defaults to Math.random. */
  random?: (() => number) | undefined;
  /** Seconds an OPTIONS keepalive may go unanswered before the connection is presumed dead (default 8). */
  keepaliveTimeoutSec?: number | undefined;
  /**
   * This installation's SIP instance ID (a UUID, RFC 5626 +sip.instance), kept across restarts
   * so the registrar sees the same device. Default: a new one per engine.
   */
  instanceId?: string | undefined;
  /**
   * The microphone chosen in デバイス設定 (shared by every engine the factory makes): followed
   * between start() and stop(), live calls included. Default: the system default device.
   */
  microphone?: MicrophoneSource | undefined;
}

// The microphone processing every desk-phone call wants. The chosen device is added to these
// only where getUserMedia is called (#microphoneStream): sip.js compares the session options'
// constraints to decide whether a re-INVITE needs a new stream, so they must not change.
const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

const SESSION_MEDIA_OPTIONS: Web.SessionDescriptionHandlerOptions = {
  constraints: { audio: AUDIO_CONSTRAINTS, video: false },
};

const SIP_LOG_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, log: 1, warn: 2, error: 3 };

/** How long 'ending' may last before we stop waiting for sip.js and free the call slot. */
const ENDING_WATCHDOG_MS = 10_000;
/** Upper bound on waiting for the un-REGISTER and the transport during stop(). */
const STOP_STEP_TIMEOUT_MS = 2_000;
/**
 * Refresh at 90 % of the granted expiry instead of sip.js' 99 %: 1 % of 300 s is 3 s, too
 * little slack for a slow network or a timer that fired late in a throttled window.
 */
const REGISTER_REFRESH_PERCENT = 90;
/**
 * Calls at once: the one the user talks on, one held or waiting beside it, and room for a
 * consultation. More would only be lines nobody can see; a further INVITE gets 486.
 */
const MAX_CALLS = 4;
/** 491 retries of one hold/resume before the UI is told it did not work. */
const GLARE_RETRIES = 3;
/**
 * After the connection came back, a connected call is refreshed (re-INVITE with an ICE
 * restart: our new Contact for the far end, new candidates for a changed network). If the far
 * end cannot be reached yet (it may be reconnecting too), try again after these pauses; then
 * the call is ended cleanly rather than left as a line nobody can hang up.
 */
const REFRESH_RETRY_DELAYS_MS = [0, 2_000, 5_000, 10_000] as const;
/** How long a transfer may take to report progress before we give up on it. */
const TRANSFER_TIMEOUT_MS = 15_000;
/** SUBSCRIBE expiry for lamps; sip.js refreshes before it runs out. */
const SUBSCRIBE_EXPIRES_SEC = 600;
/**
 * Waits before subscribing again when the server ended or refused a subscription: soon for a
 * blip, then ever more rarely (to 10 minutes) for a PBX that does not offer the event at all.
 */
const RESUBSCRIBE_BACKOFF: BackoffPolicy = { initialDelayMs: 5_000, maxDelayMs: 600_000, jitterRatio: 0.2 };

/** One lamp the UI wants lit: a dialog or message-summary subscription, kept alive by us. */
interface Watch {
  readonly event: 'dialog' | 'message-summary';
  /** The watched user part ('' for our own mailbox). */
  readonly target: string;
  readonly onNotify: (body: string) => void;
  subscriber: Subscriber | null;
  retry: ReturnType<typeof setTimeout> | undefined;
  /** Subscriptions in a row that ended without a NOTIFY: the backoff step. */
  failures: number;
}

interface ActiveCall {
  readonly info: CallInfo;
  readonly session: Inviter | Invitation;
  readonly machine: CallStateMachine;
  /** Final response to our INVITE (outgoing), recorded before sip.js reports Terminated. */
  finalStatus: number | null;
  /** The INVITE actually went out (sip.js reached Establishing); false means the offer failed. */
  inviteSent: boolean;
  remoteCancelled: boolean;
  /** The caller's CANCEL said the call was answered elsewhere (picked up by a colleague). */
  answeredElsewhere: boolean;
  remoteBye: boolean;
  /** hangup() arrived between answer() and Established: send BYE as soon as the dialog exists. */
  hangupWhenEstablished: boolean;
  remoteMediaSent: boolean;
  /** The user's mute; applied together with hold (see #applyLocalMedia). */
  muted: boolean;
  /** A REFER of ours on this call is under way. */
  transferring: boolean;
  watchdog: ReturnType<typeof setTimeout> | undefined;
  /** The transport epoch this call was last refreshed for after a reconnect. */
  refreshedEpoch: number;
  readonly cleanups: Array<() => void>;
}

/**
 * Registerer's `waiting` flag and `waitingChange` emitter are private in sip.js' typings but
 * are the only way to know that a REGISTER (including sip.js' own refreshes) is in flight.
 * Read them structurally and fall back to our own bookkeeping if a future version drops them.
 */
interface RegistererInternals {
  readonly waiting?: unknown;
  readonly waitingChange?: {
    addListener(listener: (waiting: boolean) => void): void;
    removeListener(listener: (waiting: boolean) => void): void;
  };
}

export class SipJsPhoneEngine implements PhoneEngine {
  readonly #log: PhoneEngineLogger;
  readonly #hasExternalLogger: boolean;
  readonly #sipLogLevel: LogLevel;
  readonly #backoff: BackoffPolicy;
  readonly #connectionTimeoutSec: number;
  readonly #noAnswerTimeoutSec: number;
  readonly #random: () => number;
  readonly #keepaliveTimeoutSec: number;
  readonly #instanceId: string | undefined;
  readonly #microphoneSource: MicrophoneSource | undefined;
  /** The microphone for calls (deviceId, null = default); see setMicrophone(). */
  #microphoneId: string | null;
  /** Stops following #microphoneSource (set between start() and stop()). */
  #microphoneOff: (() => void) | null = null;

  readonly #registrationListeners = new Set<(state: RegistrationState) => void>();
  readonly #callListeners = new Set<(event: CallEvent) => void>();

  #registration: RegistrationState = { kind: 'unregistered' };
  #config: SipAccountConfig | null = null;
  #ua: UserAgent | null = null;
  #registerer: Registerer | null = null;
  #registererCleanup: (() => void) | null = null;
  /** Bumped by start()/stop() so callbacks from an older UserAgent are ignored. */
  #generation = 0;
  #stopping = false;
  #stopPromise: Promise<void> | null = null;

  #transportConnected = false;
  #reconnectAttempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #registerRetryAttempt = 0;
  #registerRetryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Our own register() awaiting its final response (fallback when sip.js internals are absent). */
  #ownRegisterInFlight = false;
  /** After a (re)connect the registrar has lost our binding, even if sip.js still says Registered. */
  #registerNeeded = false;
  /** Wrong credentials: no automatic retries until the next start(). */
  #authBlocked = false;
  #removeOnlineListener: (() => void) | null = null;
  #keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  /** The keepalive OPTIONS awaiting its answer: its deadline timer. */
  #probeDeadline: ReturnType<typeof setTimeout> | undefined;
  /** The connection had been up: its loss is 接続が切れました rather than サーバーに接続できません. */
  #wasConnected = false;
  /** Counts transport losses: a call refresh belongs to the connection it was started on. */
  #transportEpoch = 0;

  /** Every live call by our id, in the order they began. */
  readonly #calls = new Map<string, ActiveCall>();
  readonly #watches = new Set<Watch>();

  constructor(options: SipJsPhoneEngineOptions = {}) {
    const logger = options.logger;
    this.#hasExternalLogger = logger !== undefined;
    this.#log = (level, message) => {
      if (!logger) return;
      try {
        logger(level, message);
      } catch {
        // A broken logger must not break the phone.
      }
    };
    this.#sipLogLevel = options.sipLogLevel ?? 'error';
    const backoff = options.reconnectBackoff ?? {};
    this.#backoff = {
      initialDelayMs: positiveOr(backoff.initialDelayMs, DEFAULT_RECONNECT_BACKOFF.initialDelayMs),
      maxDelayMs: positiveOr(backoff.maxDelayMs, DEFAULT_RECONNECT_BACKOFF.maxDelayMs),
      jitterRatio:
        backoff.jitterRatio !== undefined && backoff.jitterRatio >= 0 ? backoff.jitterRatio : DEFAULT_RECONNECT_BACKOFF.jitterRatio,
    };
    this.#connectionTimeoutSec = positiveOr(options.connectionTimeoutSec, 5);
    this.#noAnswerTimeoutSec = positiveOr(options.noAnswerTimeoutSec, 60);
    this.#random = options.random ?? Math.random;
    this.#keepaliveTimeoutSec = positiveOr(options.keepaliveTimeoutSec, 8);
    this.#instanceId = options.instanceId;
    this.#microphoneSource = options.microphone;
    this.#microphoneId = options.microphone?.microphoneId ?? null;
  }

  // ------------------------------------------------------------------------------------------
  // PhoneEngine: state and listeners

  get registration(): RegistrationState {
    return this.#registration;
  }

  get calls(): readonly CallSnapshot[] {
    return [...this.#calls.values()].map((call) => ({
      info: call.info,
      phase: call.machine.phase,
      hold: call.machine.state.hold,
      remoteHeld: call.machine.state.remoteHeld,
    }));
  }

  onRegistration(listener: (state: RegistrationState) => void): () => void {
    this.#registrationListeners.add(listener);
    return () => {
      this.#registrationListeners.delete(listener);
    };
  }

  onCall(listener: (event: CallEvent) => void): () => void {
    this.#callListeners.add(listener);
    return () => {
      this.#callListeners.delete(listener);
    };
  }

  // ------------------------------------------------------------------------------------------
  // PhoneEngine: start / stop

  async start(config: SipAccountConfig): Promise<void> {
    if (this.#ua !== null || this.#stopping) {
      throw new PhoneEngineError('already-started', 'The phone engine is already started; stop() it first');
    }
    const ua = this.#createUserAgent(config);
    const generation = ++this.#generation;
    this.#config = config;
    this.#ua = ua;
    this.#transportConnected = false;
    this.#wasConnected = false;
    this.#reconnectAttempt = 0;
    this.#registerRetryAttempt = 0;
    this.#authBlocked = false;
    this.#registerNeeded = true;
    this.#installRegisterer(ua, config);
    this.#watchOnline();
    this.#followMicrophone();
    this.#setRegistration({ kind: 'registering' });

    try {
      await ua.start();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#onConnectFailed(error);
      return;
    }
    if (generation !== this.#generation) return;
    // onConnect already queued this; calling it here makes "the first REGISTER is on the wire"
    // true when start() resolves, whatever order the microtasks ran in.
    this.#pumpRegistration();
  }

  stop(): Promise<void> {
    // Concurrent callers (pagehide and a settings change, say) share the one teardown.
    this.#stopPromise ??= this.#stop().finally(() => {
      this.#stopPromise = null;
    });
    return this.#stopPromise;
  }

  async #stop(): Promise<void> {
    const ua = this.#ua;
    if (ua === null) return;
    this.#stopping = true;
    this.#clearReconnectTimer();
    this.#clearRegisterRetryTimer();
    this.#stopKeepalive();
    this.#removeOnlineListener?.();
    this.#removeOnlineListener = null;
    // Subscribed in start(): a stopped (perhaps discarded) engine must not stay referenced.
    this.#microphoneOff?.();
    this.#microphoneOff = null;

    for (const call of [...this.#calls.values()]) {
      try {
        await this.hangup(call.info.id);
      } catch (error) {
        this.#log('warn', `hangup during stop failed: ${shortErrorText(error)}`);
      }
      // The transport is about to go: do not wait for sip.js to confirm the teardown.
      this.#forceFinish(call, 'stopped');
    }

    for (const watch of this.#watches) this.#unsubscribe(watch);

    const registerer = this.#registerer;
    if (registerer !== null) {
      if (ua.isConnected() && registerer.state === RegistererState.Registered && !this.#registerInFlight(registerer)) {
        await withTimeout(unregisterAndWait(registerer), STOP_STEP_TIMEOUT_MS).catch((error: unknown) => {
          this.#log('warn', `un-REGISTER failed: ${shortErrorText(error)}`);
        });
      }
      this.#registererCleanup?.();
      this.#registererCleanup = null;
      // Clears sip.js' refresh timers. Not awaited: with a REGISTER lost on a dead socket it
      // would wait for that transaction's 32 s timeout.
      registerer.dispose().catch(() => undefined);
    }

    this.#generation++;
    await withTimeout(ua.stop(), STOP_STEP_TIMEOUT_MS).catch((error: unknown) => {
      this.#log('warn', `user agent stop failed: ${shortErrorText(error)}`);
    });
    this.#ua = null;
    this.#registerer = null;
    this.#config = null;
    this.#transportConnected = false;
    this.#ownRegisterInFlight = false;
    this.#stopping = false;
    this.#setRegistration({ kind: 'unregistered' });
  }

  // ------------------------------------------------------------------------------------------
  // PhoneEngine: call verbs

  async dial(target: string, options: DialOptions = {}): Promise<string> {
    const ua = this.#requireStarted();
    const config = this.#config;
    if (config === null) throw new PhoneEngineError('not-started', 'The phone engine is not started');
    if (this.#calls.size >= MAX_CALLS) throw new PhoneEngineError('busy', 'Every line is in use');

    const dialTarget = buildDialTarget(target, config.domain);
    // A line's prefix goes in front of a number (not of a SIP URI); the history keeps the
    // number as the user dialled it.
    const uri = UserAgent.makeURI(dialTarget.kind === 'number' && options.prefix ? buildDialTarget(options.prefix + target, config.domain).uri : dialTarget.uri);
    if (uri === undefined) throw new InvalidDialTarget('Not a valid SIP URI');
    const remoteNumber =
      dialTarget.kind === 'number' ? dialTarget.remoteNumber : describeRemoteParty(uri.user, uri.host, config.domain);
    const extraHeaders: string[] = [];
    if (options.identity) {
      const identity = UserAgent.makeURI(buildDialTarget(options.identity, config.domain).uri);
      if (identity === undefined) throw new InvalidDialTarget('Not a valid caller ID');
      extraHeaders.push(`P-Preferred-Identity: <${identity.toString()}>`);
    }

    let inviter: Inviter;
    try {
      inviter = new Inviter(ua, uri, {
        sessionDescriptionHandlerOptions: SESSION_MEDIA_OPTIONS,
        earlyMedia: false,
        extraHeaders,
      });
    } catch (error) {
      throw new InvalidDialTarget(shortErrorText(error));
    }
    const call = this.#beginCall(
      { id: newCallId(), direction: 'outgoing', remoteNumber, remoteName: null, sipCallId: inviter.request.callId },
      inviter,
      { type: 'dial' },
    );
    await this.#sendInvite(call, inviter);
    return call.info.id;
  }

  /** Sends the INVITE of an outgoing call (dialled, or made by a REFER we follow). */
  async #sendInvite(call: ActiveCall, inviter: Inviter): Promise<void> {
    const recordFinal = (response: { message: { statusCode?: number | undefined } }): void => {
      call.finalStatus = response.message.statusCode ?? null;
    };
    try {
      await inviter.invite({ requestDelegate: { onReject: recordFinal, onRedirect: recordFinal } });
    } catch (error) {
      this.#log('warn', `INVITE not sent: ${shortErrorText(error)}`);
      // Hanging up while the offer was being built is not an error worth showing.
      if (call.machine.state.end?.cause.kind === 'local-cancel') return;
      // Otherwise the call has already ended ('ended' went out first) but the error is still
      // the caller's to show, e.g. a NotAllowedError for a denied microphone.
      throw error;
    }
  }

  async answer(callId: string): Promise<void> {
    const call = this.#requireCall(callId);
    if (!(call.session instanceof Invitation) || !call.machine.can({ type: 'answer' })) {
      throw new PhoneEngineError('invalid-phase', 'There is no ringing call to answer');
    }
    this.#apply(call, { type: 'answer' });
    try {
      await call.session.accept({ sessionDescriptionHandlerOptions: SESSION_MEDIA_OPTIONS });
    } catch (error) {
      // sip.js has answered 480 and terminated the session ('ended' went out first); the error
      // (e.g. NotAllowedError for the microphone) is the caller's to show.
      this.#log('warn', `answer failed: ${shortErrorText(error)}`);
      throw error;
    }
  }

  async reject(callId: string): Promise<void> {
    const call = this.#requireCall(callId);
    if (!(call.session instanceof Invitation) || !call.machine.can({ type: 'reject' })) {
      throw new PhoneEngineError('invalid-phase', 'There is no ringing call to reject');
    }
    await this.#rejectIncoming(call, call.session);
  }

  setMuted(callId: string, muted: boolean): boolean {
    const call = this.#calls.get(callId);
    if (call === undefined || this.#senderTracks(call).length === 0) return false;
    call.muted = muted;
    this.#applyLocalMedia(call);
    return muted;
  }

  async setMicrophone(deviceId: string | null): Promise<void> {
    if (deviceId === this.#microphoneId) return;
    this.#microphoneId = deviceId;
    await Promise.all([...this.#calls.values()].map((call) => this.#switchMicrophone(call, deviceId)));
  }

  /** Follows the shared microphone choice while started (see SipJsPhoneEngineOptions.microphone). */
  #followMicrophone(): void {
    const source = this.#microphoneSource;
    if (source === undefined || this.#microphoneOff !== null) return;
    // It may have changed while we were stopped.
    this.#microphoneId = source.microphoneId;
    this.#microphoneOff = source.onMicrophoneChange((deviceId) => {
      void this.setMicrophone(deviceId);
    });
  }

  /**
   * getUserMedia for a call, on the chosen microphone. If that device went away a moment ago
   * (the routing has not heard of it yet), the call uses the default rather than failing.
   */
  async #microphoneStream(constraints: MediaStreamConstraints, sdh: Web.SessionDescriptionHandler): Promise<MediaStream> {
    const deviceId = this.#microphoneId;
    try {
      return await closedAwareMediaStreamFactory(withMicrophone(constraints, deviceId), sdh);
    } catch (error) {
      if (deviceId === null || !isMissingDevice(error)) throw error;
      this.#log('warn', `chosen microphone unavailable (${shortErrorText(error)}); using the default`);
      return closedAwareMediaStreamFactory(constraints, sdh);
    }
  }

  /**
   * Moves one call to another microphone without a re-INVITE: a new track from the device
   * replaces the sender's (RTCRtpSender.replaceTrack), sip.js' local stream is kept in step
   * (so the track is stopped with the call), and the old track is stopped. A call with no
   * microphone yet gets the new device from getUserMedia anyway.
   */
  async #switchMicrophone(call: ActiveCall, deviceId: string | null): Promise<void> {
    const sdh = call.session.sessionDescriptionHandler;
    const sender = peerConnectionOf(call.session)
      ?.getSenders()
      .find((s) => s.track?.kind === 'audio');
    if (!(sdh instanceof Web.SessionDescriptionHandler) || sender === undefined) return;
    let stream: MediaStream;
    try {
      stream = await closedAwareMediaStreamFactory(withMicrophone({ audio: AUDIO_CONSTRAINTS, video: false }, deviceId), sdh);
    } catch (error) {
      this.#log('warn', `microphone switch failed: ${shortErrorText(error)}`);
      return;
    }
    const track = stream.getAudioTracks()[0];
    // A newer choice arrived meanwhile, or the call ended: this device is not wanted any more.
    if (track === undefined || deviceId !== this.#microphoneId || !this.#isLive(call) || sdh.peerConnection === undefined) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    // Muted or held stays silent from the first sample (the new track starts enabled).
    track.enabled = call.machine.state.hold === 'none' && !call.muted;
    const old = sender.track;
    try {
      await sender.replaceTrack(track);
    } catch (error) {
      track.stop();
      this.#log('warn', `replaceTrack failed: ${shortErrorText(error)}`);
      return;
    }
    const local = sdh.localMediaStream;
    if (old !== null) {
      local.removeTrack(old);
      old.stop();
    }
    local.addTrack(track);
    this.#applyLocalMedia(call);
  }

  async hangup(callId: string): Promise<void> {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    const session = call.session;
    switch (call.machine.phase) {
      case 'calling': {
        this.#apply(call, { type: 'hangup' });
        if (session instanceof Inviter) {
          try {
            await session.cancel();
          } catch (error) {
            this.#log('warn', `CANCEL failed: ${shortErrorText(error)}`);
            this.#forceFinish(call, 'error');
            return;
          }
        }
        // With no connection the 487 cannot come back; don't leave the UI in 'ending'.
        if (!this.#transportConnected) this.#forceFinish(call, 'transport');
        return;
      }
      case 'ringing': {
        if (!call.machine.state.accepted && session instanceof Invitation) {
          await this.#rejectIncoming(call, session);
        } else {
          // The 200 OK is being built; a BYE is only possible once the dialog exists.
          call.hangupWhenEstablished = true;
        }
        return;
      }
      case 'in-call': {
        this.#apply(call, { type: 'hangup' });
        try {
          await session.bye();
        } catch (error) {
          this.#log('warn', `BYE failed: ${shortErrorText(error)}`);
          this.#forceFinish(call, 'error');
        }
        return;
      }
      case 'ending':
      case 'idle':
        return;
    }
  }

  async hold(callId: string): Promise<void> {
    const call = this.#requireCall(callId);
    if (!this.#apply(call, { type: 'hold' })) throw new PhoneEngineError('invalid-phase', 'The call cannot be held now');
    // Privacy first: the held party must not hear the room from the moment hold is pressed,
    // whatever the far end answers.
    this.#applyLocalMedia(call);
    const ok = await this.#reinvite(call, true);
    if (ok) {
      this.#apply(call, { type: 'hold-ok' });
    } else {
      this.#apply(call, { type: 'hold-failed' });
      this.#applyLocalMedia(call);
      if (this.#isLive(call)) throw new PhoneEngineError('hold-refused', 'The far end did not accept the hold');
    }
  }

  async resume(callId: string): Promise<void> {
    const call = this.#requireCall(callId);
    if (!this.#apply(call, { type: 'resume' })) throw new PhoneEngineError('invalid-phase', 'The call is not on hold');
    const ok = await this.#reinvite(call, false);
    this.#apply(call, ok ? { type: 'resume-ok' } : { type: 'resume-failed' });
    // Audio comes back only once the far end agreed: the UI never shows 通話中 on a silent line.
    this.#applyLocalMedia(call);
    if (!ok && this.#isLive(call)) throw new PhoneEngineError('hold-refused', 'The far end did not accept the resume');
  }

  /**
   * One hold/resume re-INVITE, retried on 491 (glare: both ends sent a re-INVITE at once) after
   * RFC 3261 §14.1's random delay. sip.js does not retry by itself. Resolves true on a 2xx, false
   * when refused, when the retries ran out, or when the call ended meanwhile.
   */
  async #reinvite(call: ActiveCall, hold: boolean, extra: { iceRestart?: boolean } = {}): Promise<boolean> {
    const options: Web.SessionDescriptionHandlerOptions = { ...SESSION_MEDIA_OPTIONS, hold, ...(extra.iceRestart ? { offerOptions: { iceRestart: true } } : {}) };
    for (let attempt = 0; attempt <= GLARE_RETRIES; attempt++) {
      if (!this.#isLive(call) || call.machine.phase !== 'in-call') return false;
      const result = await new Promise<'ok' | 'glare' | 'refused'>((resolve) => {
        // Also the answer we give to the far end's own re-INVITEs from now on, so its next
        // offer does not silently take the call off hold.
        call.session.sessionDescriptionHandlerOptionsReInvite = options;
        call.session
          .invite({
            sessionDescriptionHandlerOptions: options,
            requestDelegate: {
              onAccept: () => {
                resolve('ok');
              },
              onReject: (response) => {
                resolve(response.message.statusCode === 491 ? 'glare' : 'refused');
              },
            },
          })
          .catch((error: unknown) => {
            // Our own earlier re-INVITE (or the far end's) is still in progress: the same wait.
            resolve(error instanceof RequestPendingError ? 'glare' : 'refused');
          });
      });
      if (result === 'ok') return true;
      // sip.js' web SessionDescriptionHandler has no rollbackDescription(), so a refused
      // re-INVITE leaves our offer pending (have-local-offer) and every later offer fails.
      await rollbackLocalOffer(call.session);
      if (result === 'refused') return false;
      const delay = glareRetryDelayMs(call.info.direction === 'outgoing', this.#random);
      this.#log('info', `re-INVITE glare (491); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return false;
  }

  async sendDtmf(callId: string, tones: string): Promise<DtmfMode> {
    const call = this.#requireCall(callId);
    const digits = normalizeDtmf(tones);
    if (digits === null) throw new PhoneEngineError('invalid-dtmf', 'DTMF takes 0-9, *, #, A-D');
    if (call.machine.phase !== 'in-call' || call.machine.state.hold !== 'none') {
      throw new PhoneEngineError('invalid-phase', 'DTMF needs an active call');
    }
    const dtmf = this.#rtpDtmfSender(call);
    if (dtmf !== null) {
      // insertDTMF replaces what is still queued: append, so fast typing loses no digit.
      dtmf.insertDTMF(dtmf.toneBuffer + digits, DTMF_DURATION_MS, DTMF_GAP_MS);
      return 'rfc4733';
    }
    for (const tone of digits) {
      await call.session.info({
        requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: dtmfInfoBody(tone) } },
      });
    }
    return 'info';
  }

  /** The RTP DTMF sender, when the account wants RFC 4733 and the far end negotiated it. */
  #rtpDtmfSender(call: ActiveCall): RTCDTMFSender | null {
    if ((this.#config?.dtmfMode ?? 'rfc4733') !== 'rfc4733') return null;
    const sdh = call.session.sessionDescriptionHandler;
    if (!(sdh instanceof Web.SessionDescriptionHandler) || sdh.peerConnection === undefined) return null;
    const sender = sdh.peerConnection.getSenders().find((s) => s.track?.kind === 'audio');
    // canInsertDTMF is false unless the answer carried telephone-event.
    return sender?.dtmf?.canInsertDTMF ? sender.dtmf : null;
  }

  async blindTransfer(callId: string, target: string): Promise<void> {
    const call = this.#requireCall(callId);
    const config = this.#config;
    if (config === null) throw new PhoneEngineError('not-started', 'The phone engine is not started');
    if (call.machine.phase !== 'in-call') throw new PhoneEngineError('invalid-phase', 'Only a connected call can be transferred');
    const uri = UserAgent.makeURI(buildDialTarget(target, config.domain).uri);
    if (uri === undefined) throw new InvalidDialTarget('Not a valid SIP URI');
    // A blind transfer is done for us once the far end has started calling the target.
    await this.#refer(call, `<${uri.toString()}>`, 'trying');
  }

  async attendedTransfer(heldCallId: string, consultationCallId: string): Promise<void> {
    const held = this.#requireCall(heldCallId);
    const consultation = this.#requireCall(consultationCallId);
    const dialog = consultation.session.dialog;
    if (held === consultation || held.machine.phase !== 'in-call' || consultation.machine.phase !== 'in-call' || dialog === undefined) {
      throw new PhoneEngineError('invalid-phase', 'Both calls must be connected');
    }
    // The target's address of record (the identity we reached it at), not its Contact: a
    // browser phone's Contact is an unroutable *.invalid address that only the proxy's alias
    // table can reach, while the AOR is routed by any PBX. The Replaces makes the target's phone
    // join the new call in place of our consultation, without ringing.
    const aor = consultation.session.remoteIdentity.uri.clone();
    aor.clearHeaders();
    const replaces = replacesHeaderParam(dialog.callId, dialog.localTag, dialog.remoteTag);
    await this.#refer(held, `<${aor.toString()}?Replaces=${replaces}>`, 'done');
  }

  /**
   * Sends a REFER on `call` and waits for its outcome from the NOTIFYs (RFC 3515): resolves once
   * the transfer has reached `leaveAt` (then we hang up: the call is no longer ours), rejects
   * with 'transfer-failed' and keeps the call when the REFER or the target refused, or nothing
   * was heard in time.
   */
  async #refer(call: ActiveCall, referTo: string, leaveAt: 'trying' | 'done'): Promise<void> {
    if (call.transferring) throw new PhoneEngineError('invalid-phase', 'A transfer of this call is already under way');
    call.transferring = true;
    const outcome = await new Promise<'done' | TransferFailure>((resolve) => {
      const timer = setTimeout(() => {
        resolve('timeout');
      }, TRANSFER_TIMEOUT_MS);
      const settle = (result: 'done' | TransferFailure): void => {
        clearTimeout(timer);
        resolve(result);
      };
      const onNotify = (notification: Notification): void => {
        notification.accept().catch(() => undefined);
        const status = sipfragStatus(notification.request.body);
        if (status === null) return;
        const progress = transferProgress(status);
        if (progress === 'failed') settle('refused');
        else if (progress === 'done' || (leaveAt === 'trying' && status >= 180)) settle('done');
      };
      const accountUri = this.#ua?.configuration.uri.toString() ?? '';
      call.session
        ._refer(
          onNotify,
          {
            onReject: () => {
              settle('refused');
            },
          },
          { extraHeaders: [`Refer-To: ${referTo}`, `Referred-By: <${accountUri}>`] },
        )
        .catch(() => {
          settle('refused');
        });
    });
    call.transferring = false;
    if (!this.#isLive(call)) return;
    if (outcome === 'done') {
      this.#apply(call, { type: 'transferred' });
      call.session.bye().catch((error: unknown) => {
        this.#log('warn', `BYE after transfer failed: ${shortErrorText(error)}`);
        this.#forceFinish(call, 'error');
      });
      return;
    }
    this.#emit({ type: 'transfer-failed', call: call.info, reason: outcome });
    throw new PhoneEngineError('transfer-failed', `The transfer did not go through (${outcome})`);
  }

  // ------------------------------------------------------------------------------------------
  // Lamps: dialog (RFC 4235) and message-summary (RFC 3842) subscriptions

  watchDialogs(target: string, listener: (dialogs: WatchedDialog[]) => void): () => void {
    let dialogs: WatchedDialog[] = [];
    return this.#watch('dialog', target, (body) => {
      const update = parseDialogInfo(body);
      if (update === null) return;
      dialogs = mergeDialogs(dialogs, update);
      listener(dialogs);
    });
  }

  watchMessageSummary(listener: (summary: MessageSummary) => void): () => void {
    return this.#watch('message-summary', '', (body) => {
      const summary = parseMessageSummary(body);
      if (summary !== null) listener(summary);
    });
  }

  #watch(event: Watch['event'], target: string, onNotify: (body: string) => void): () => void {
    const watch: Watch = { event, target, onNotify, subscriber: null, retry: undefined, failures: 0 };
    this.#watches.add(watch);
    this.#subscribe(watch);
    return () => {
      this.#watches.delete(watch);
      this.#unsubscribe(watch);
    };
  }

  /** Starts the subscription of a watch when we are registered and it has none. */
  #subscribe(watch: Watch): void {
    const ua = this.#ua;
    const config = this.#config;
    if (ua === null || config === null || this.#stopping || this.#registration.kind !== 'registered') return;
    if (watch.subscriber !== null || watch.retry !== undefined || !this.#watches.has(watch)) return;
    const uri = UserAgent.makeURI(watch.target === '' ? `sip:${config.user}@${config.domain}` : buildDialTarget(watch.target, config.domain).uri);
    if (uri === undefined) return;
    const accept = watch.event === 'dialog' ? 'application/dialog-info+xml' : 'application/simple-message-summary';
    const subscriber = new Subscriber(ua, uri, watch.event, { expires: SUBSCRIBE_EXPIRES_SEC, extraHeaders: [`Accept: ${accept}`] });
    watch.subscriber = subscriber;
    subscriber.delegate = {
      onNotify: (notification: Notification) => {
        notification.accept().catch(() => undefined);
        if (watch.subscriber !== subscriber) return;
        watch.failures = 0;
        watch.onNotify(notification.request.body);
      },
    };
    subscriber.stateChange.addListener((state) => {
      if (state !== SubscriptionState.Terminated || watch.subscriber !== subscriber) return;
      // Refused, expired or lost with the connection: try again while the lamp is wanted.
      watch.subscriber = null;
      if (!this.#watches.has(watch)) return;
      const delay = backoffDelayMs(watch.failures, RESUBSCRIBE_BACKOFF, this.#random);
      watch.failures++;
      watch.retry = setTimeout(() => {
        watch.retry = undefined;
        this.#subscribe(watch);
      }, delay);
    });
    subscriber.subscribe().catch((error: unknown) => {
      this.#log('warn', `SUBSCRIBE ${watch.event} not sent: ${shortErrorText(error)}`);
    });
  }

  #unsubscribe(watch: Watch): void {
    if (watch.retry !== undefined) clearTimeout(watch.retry);
    watch.retry = undefined;
    const subscriber = watch.subscriber;
    watch.subscriber = null;
    if (subscriber === null) return;
    const unsubscribe = subscriber.state === SubscriptionState.Subscribed && this.#transportConnected ? subscriber.unsubscribe() : Promise.resolve();
    unsubscribe.catch(() => undefined).finally(() => void subscriber.dispose().catch(() => undefined));
  }

  /** After a (re)registration: every wanted lamp gets a fresh subscription on this connection. */
  #resubscribeAll(): void {
    for (const watch of this.#watches) {
      if (watch.subscriber !== null && watch.subscriber.state === SubscriptionState.Subscribed && this.#transportConnected) continue;
      if (watch.subscriber !== null) this.#unsubscribe(watch);
      this.#subscribe(watch);
    }
  }

  #requireCall(callId: string): ActiveCall {
    const call = this.#calls.get(callId);
    if (call === undefined) throw new PhoneEngineError('no-such-call', 'That call has ended');
    return call;
  }

  #isLive(call: ActiveCall): boolean {
    return this.#calls.get(call.info.id) === call;
  }

  #senderTracks(call: ActiveCall): MediaStreamTrack[] {
    const pc = peerConnectionOf(call.session);
    if (pc === undefined) return [];
    return pc
      .getSenders()
      .map((sender) => sender.track)
      .filter((track): track is MediaStreamTrack => track !== null && track.kind === 'audio');
  }

  /**
   * The microphone is on only for an active call the user has not muted; the far end is heard
   * only while the call is not held (a held call does not talk over the one the user is on).
   */
  #applyLocalMedia(call: ActiveCall): void {
    const pc = peerConnectionOf(call.session);
    if (pc === undefined) return;
    const hold = call.machine.state.hold;
    const sending = hold === 'none' && !call.muted;
    for (const track of this.#senderTracks(call)) track.enabled = sending;
    for (const receiver of pc.getReceivers()) {
      if (receiver.track.kind === 'audio') receiver.track.enabled = hold === 'none';
    }
  }

  // ------------------------------------------------------------------------------------------
  // User agent, transport and reconnection

  #createUserAgent(config: SipAccountConfig): UserAgent {
    validateConfig(config);
    const uri = UserAgent.makeURI(`sip:${config.user}@${config.domain}`);
    if (uri === undefined) throw new InvalidPhoneConfig('User and domain do not form a valid SIP URI');

    const options: UserAgentOptions = {
      uri,
      authorizationUsername: config.authorizationUser,
      authorizationPassword: config.password,
      transportOptions: {
        server: config.wsServer,
        connectionTimeout: this.#connectionTimeoutSec,
        // SIP messages carry digest responses and caller details: never to the console.
        traceSip: false,
      } satisfies Web.TransportOptions,
      // Explicit ICE servers always: sip.js' default is a public Google STUN server, which
      // leaks the user's address and delays every call when unreachable.
      sessionDescriptionHandlerFactoryOptions: {
        peerConnectionConfiguration: { iceServers: config.iceServers.map((s) => ({ ...s })) },
        iceGatheringTimeout: config.iceGatheringTimeoutMs,
      } satisfies Web.SessionDescriptionHandlerFactoryOptions,
      // Calls take the microphone chosen in デバイス設定 (see #microphoneStream).
      sessionDescriptionHandlerFactory: Web.defaultSessionDescriptionHandlerFactory((constraints, sdh) => this.#microphoneStream(constraints, sdh)),
      // We ring (180) ourselves after deciding whether the call is surfaced at all, so a busy
      // line answers 486 without a misleading 180 first.
      sendInitialProvisionalResponse: false,
      // Lets an INVITE with Replaces (RFC 3891) find the call it replaces: how an attended
      // transfer reaches us as its target. sip.js answers 481 when no dialog matches.
      sipExtensionReplaces: SIPExtension.Supported,
      // The device's +sip.instance, sent with reg-id on REGISTER (see #installRegisterer).
      ...(this.#instanceId ? { instanceId: this.#instanceId } : {}),
      noAnswerTimeout: this.#noAnswerTimeoutSec,
      // stop() does its own bounded teardown; sip.js' graceful one can wait 32 s on a dead socket.
      gracefulShutdown: false,
      logConfiguration: false,
      logLevel: this.#sipLogLevel,
      logBuiltinEnabled: !this.#hasExternalLogger,
      // sip.js hands every line to the connector whatever logLevel says; filter here.
      logConnector: (level, category, _label, content) => {
        if (SIP_LOG_RANK[level] < SIP_LOG_RANK[this.#sipLogLevel]) return;
        this.#log(level === 'log' ? 'info' : level, `[${category}] ${content}`);
      },
      delegate: {
        onConnect: () => {
          this.#onTransportConnected(ua);
        },
        onDisconnect: (error) => {
          this.#onTransportDisconnected(ua, error);
        },
        onInvite: (invitation) => {
          this.#onInvite(ua, invitation);
        },
      },
    };
    // sip.js wraps the display name in quotes without escaping; a quote, backslash or line
    // break typed in settings would corrupt every From header we send.
    const displayName = sanitizeRemoteText(config.displayName, 64).replace(/["\\]/g, '');
    if (displayName !== '') options.displayName = displayName;
    if (config.outboundProxy !== undefined && config.outboundProxy.trim() !== '') {
      const route = outboundProxyRoute(config.outboundProxy);
      if (UserAgent.makeURI(route.slice(1, -1)) === undefined) throw new InvalidPhoneConfig('Invalid outbound proxy URI');
      options.preloadedRouteSet = [route];
    }
    const ua = new UserAgent(options);
    keepGruuOnWebSocket(ua);
    return ua;
  }

  #onTransportConnected(ua: UserAgent): void {
    if (ua !== this.#ua || this.#stopping) return;
    this.#log('info', 'transport connected');
    this.#transportConnected = true;
    this.#wasConnected = true;
    this.#reconnectAttempt = 0;
    this.#clearReconnectTimer();
    this.#startKeepalive(ua);
    this.#registerNeeded = true;
    const registerer = this.#registerer;
    const config = this.#config;
    // A REGISTER still "in flight" now was sent on the previous socket and will only end with
    // sip.js' 32 s transaction timeout. Replace the Registerer instead of waiting for it.
    if (registerer !== null && config !== null && this.#registerInFlight(registerer)) {
      this.#log('info', 'replacing registerer stuck on the previous connection');
      this.#registererCleanup?.();
      registerer.dispose().catch(() => undefined);
      this.#installRegisterer(ua, config);
    }
    queueMicrotask(() => {
      this.#pumpRegistration();
    });
    // Calls that lived through a loss: tell the far end where we are now.
    if (this.#transportEpoch > 0) {
      const epoch = this.#transportEpoch;
      for (const call of this.#calls.values()) if (call.machine.phase === 'in-call' && call.refreshedEpoch !== epoch) void this.#refreshAfterReconnect(call, epoch);
    }
  }

  /**
   * A connected call after the WebSocket was lost and reopened: a re-INVITE (target refresh,
   * RFC 3261 §12.2) carries our new Contact — the proxy aliases it to the new connection — so
   * the far end's BYE and re-INVITEs reach us again, and restarts ICE (a Wi-Fi change or a new
   * address needs new candidates). Hold is kept as it is. If the far end cannot be reached
   * after a few tries, the call is ended cleanly with reason 'connection-lost' (history row
   * completed, the user told why) instead of lingering with no way to signal.
   */
  async #refreshAfterReconnect(call: ActiveCall, epoch: number): Promise<void> {
    call.refreshedEpoch = epoch;
    for (const delay of REFRESH_RETRY_DELAYS_MS) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      // Lost again meanwhile: the next reconnect starts over. Ended or changed: nothing to do.
      if (!this.#isLive(call) || call.machine.phase !== 'in-call' || epoch !== this.#transportEpoch || !this.#transportConnected) return;
      const hold = call.machine.state.hold;
      // A hold or resume in progress is already a re-INVITE on the new connection (or will
      // fail and be retried by the user); wait for it to settle.
      if (hold === 'holding' || hold === 'resuming') continue;
      // With a GRUU as our Contact the far end's target is still right, and while ICE still
      // connects the media needs nothing either: a re-INVITE would only risk glare with the far
      // end's own (both ends reconnect after a server restart).
      if (this.#ua?.contact.pubGruu !== undefined && mediaConnected(call.session)) {
        this.#log('info', 'call kept after reconnect: GRUU contact and media still connected');
        return;
      }
      if (await this.#reinvite(call, hold === 'held', { iceRestart: true })) {
        this.#log('info', 'call refreshed after reconnect');
        return;
      }
    }
    if (!this.#isLive(call) || call.machine.phase !== 'in-call' || epoch !== this.#transportEpoch) return;
    this.#log('warn', 'call could not be refreshed after reconnect; ending it');
    // Best effort: the far end may still be reachable for a BYE even if it refused the offer.
    call.session.bye().catch(() => undefined);
    this.#forceFinish(call, 'connection-lost');
  }

  #onTransportDisconnected(ua: UserAgent, error: Error | undefined): void {
    if (ua !== this.#ua || this.#stopping || !this.#transportConnected) return;
    this.#transportConnected = false;
    this.#transportEpoch++;
    this.#stopKeepalive();
    const detail = error ? `connection lost: ${shortErrorText(error)}` : 'connection closed';
    this.#log('warn', detail);
    this.#setRegistration({ kind: 'failed', reason: 'unreachable', detail, lost: true });

    // A call still being set up cannot complete without signalling: the CANCEL, 180 or 200
    // would go nowhere. An established call keeps its media (peer to peer) and is refreshed
    // once the connection is back (#refreshAfterReconnect).
    for (const call of [...this.#calls.values()]) {
      if (call.machine.phase === 'calling' || call.machine.phase === 'ringing') this.#forceFinish(call, 'transport');
    }
    this.#scheduleReconnect();
  }

  #onConnectFailed(error: unknown): void {
    this.#transportConnected = false;
    const detail = `connect failed: ${shortErrorText(error)}`;
    this.#log('warn', detail);
    this.#setRegistration({ kind: 'failed', reason: 'unreachable', detail, lost: this.#wasConnected });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#ua === null || this.#stopping || this.#reconnectTimer !== undefined) return;
    // The first try is immediate (a server restart or a blip is usually over by then), then
    // the capped, jittered backoff.
    const delay = this.#reconnectAttempt === 0 ? 0 : backoffDelayMs(this.#reconnectAttempt - 1, this.#backoff, this.#random);
    this.#reconnectAttempt++;
    this.#log('info', `reconnecting in ${delay} ms (attempt ${this.#reconnectAttempt})`);
    // The lamp counts down to the next try.
    const current = this.#registration;
    if (current.kind === 'failed' && current.reason === 'unreachable') this.#setRegistration({ ...current, retryAt: Date.now() + delay });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#reconnectNow();
    }, delay);
  }

  async #reconnectNow(): Promise<void> {
    const ua = this.#ua;
    const generation = this.#generation;
    if (ua === null || this.#stopping || ua.isConnected()) return;
    try {
      // Resolves after onConnect has run; that path re-registers.
      await ua.reconnect();
    } catch (error) {
      if (generation !== this.#generation || this.#stopping) return;
      this.#onConnectFailed(error);
    }
  }

  #clearReconnectTimer(): void {
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }

  /**
   * Something outside says the network may have changed (the OS resumed from sleep, the screen
   * was unlocked, the network came back): retry at once instead of sitting out the backoff, and
   * if we believe we are connected, prove it with a keepalive now — a socket from before a sleep
   * is often dead without knowing it.
   */
  checkConnection(): void {
    const ua = this.#ua;
    if (ua === null || this.#stopping) return;
    if (this.#transportConnected) {
      this.#probe(ua);
      return;
    }
    this.#clearReconnectTimer();
    this.#reconnectAttempt = 0;
    this.#scheduleReconnect();
  }

  // ------------------------------------------------------------------------------------------
  // Keepalive: an OPTIONS to the server every interval; no answer in time = a dead path

  #startKeepalive(ua: UserAgent): void {
    this.#stopKeepalive();
    const interval = this.#config?.keepaliveIntervalSec ?? 0;
    if (interval <= 0) return;
    this.#keepaliveTimer = setInterval(() => {
      this.#probe(ua);
    }, interval * 1000);
  }

  #stopKeepalive(): void {
    if (this.#keepaliveTimer !== undefined) clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
    if (this.#probeDeadline !== undefined) clearTimeout(this.#probeDeadline);
    this.#probeDeadline = undefined;
  }

  /**
   * One OPTIONS ping. Any answer, even an error, proves the path; none within the timeout means
   * the socket is dead although the OS has not noticed (a NAT dropped it, the server hangs, the
   * laptop slept): drop it and reconnect. sip.js' own CRLF keepalive only sends, never checks.
   */
  #probe(ua: UserAgent): void {
    const config = this.#config;
    if (ua !== this.#ua || config === null || !this.#transportConnected || this.#probeDeadline !== undefined) return;
    const target = UserAgent.makeURI(`sip:${config.domain}`);
    if (target === undefined) return;
    const settle = (): void => {
      if (this.#probeDeadline !== undefined) clearTimeout(this.#probeDeadline);
      this.#probeDeadline = undefined;
    };
    this.#probeDeadline = setTimeout(() => {
      this.#probeDeadline = undefined;
      this.#onPathDead(ua);
    }, this.#keepaliveTimeoutSec * 1000);
    try {
      const message = ua.userAgentCore.makeOutgoingRequestMessage('OPTIONS', target, ua.configuration.uri, target, {});
      ua.userAgentCore.request(message, { onAccept: settle, onReject: settle, onRedirect: settle });
    } catch (error) {
      settle();
      this.#log('warn', `keepalive not sent: ${shortErrorText(error)}`);
    }
  }

  #onPathDead(ua: UserAgent): void {
    if (ua !== this.#ua || this.#stopping || !this.#transportConnected) return;
    this.#onTransportDisconnected(ua, new Error(`no answer to keepalive in ${this.#keepaliveTimeoutSec} s`));
    // Close the dead socket without waiting for its closing handshake; reconnect() opens a new
    // one meanwhile (sip.js ignores events from the old socket).
    ua.transport.disconnect().catch(() => undefined);
  }

  /** The OS says the network is back: don't sit out the rest of a 30 s backoff. */
  #watchOnline(): void {
    const target = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') return;
    const onOnline = (): void => {
      this.checkConnection();
    };
    globalThis.addEventListener('online', onOnline);
    this.#removeOnlineListener = () => {
      globalThis.removeEventListener('online', onOnline);
    };
  }

  // ------------------------------------------------------------------------------------------
  // Registration

  #installRegisterer(ua: UserAgent, config: SipAccountConfig): void {
    const registerer = new Registerer(ua, {
      expires: config.registerExpiresSec,
      refreshFrequency: REGISTER_REFRESH_PERCENT,
      logConfiguration: false,
      // RFC 5626 instance + reg-id on REGISTER: a registrar replaces our old binding instead of
      // keeping a dead one beside the new (which would fork calls to it: 408 after 30 s on a
      // busy reply), and (RFC 5627) hands back a public GRUU, which sip.js then uses as the
      // Contact of our calls. The far end's in-dialog requests go to the GRUU, which the
      // registrar resolves to our CURRENT connection: a call outlives a reconnect of both ends
      // (a server restart), not only of ours. A registrar without either ignores them.
      regId: 1,
    });
    const onState = (state: RegistererState): void => {
      if (registerer !== this.#registerer || this.#stopping) return;
      if (state === RegistererState.Registered) {
        this.#registerRetryAttempt = 0;
        this.#setRegistration({ kind: 'registered' });
      }
      // Unregistered outside our own request means sip.js' refresh failed or the binding
      // expired; we register again (through the pump) to learn and show why.
      if (state === RegistererState.Unregistered) {
        if (this.#transportConnected && this.#registration.kind === 'registered') {
          this.#setRegistration({ kind: 'registering' });
        }
        queueMicrotask(() => {
          this.#pumpRegistration();
        });
      }
    };
    const onWaiting = (waiting: boolean): void => {
      if (registerer !== this.#registerer || this.#stopping) return;
      if (waiting) {
        if (this.#registration.kind !== 'registered') this.#setRegistration({ kind: 'registering' });
      } else {
        queueMicrotask(() => {
          this.#pumpRegistration();
        });
      }
    };
    registerer.stateChange.addListener(onState);
    const internals = registerer as unknown as RegistererInternals;
    internals.waitingChange?.addListener(onWaiting);
    this.#registerer = registerer;
    this.#ownRegisterInFlight = false;
    this.#registererCleanup = () => {
      registerer.stateChange.removeListener(onState);
      internals.waitingChange?.removeListener(onWaiting);
    };
  }

  #registerInFlight(registerer: Registerer): boolean {
    const waiting = (registerer as unknown as RegistererInternals).waiting;
    return typeof waiting === 'boolean' ? waiting : this.#ownRegisterInFlight;
  }

  /**
   * The single place that decides to send a REGISTER. Safe to call any time: it sends only
   * when connected, not already waiting for a REGISTER answer (RFC 3261 §10.2: never two in
   * flight), not backing off, not blocked by wrong credentials, and not already registered on
   * this connection.
   */
  #pumpRegistration(): void {
    const registerer = this.#registerer;
    const ua = this.#ua;
    if (registerer === null || ua === null || this.#stopping) return;
    if (!this.#transportConnected || !ua.isConnected()) return;
    if (this.#authBlocked || this.#registerRetryTimer !== undefined) return;
    if (this.#registerInFlight(registerer)) return;
    if (registerer.state === RegistererState.Registered && !this.#registerNeeded) return;
    if (registerer.state === RegistererState.Terminated) return;

    this.#registerNeeded = false;
    this.#ownRegisterInFlight = true;
    if (this.#registration.kind !== 'registered') this.#setRegistration({ kind: 'registering' });
    const settle = (): void => {
      if (registerer === this.#registerer) this.#ownRegisterInFlight = false;
    };
    try {
      registerer
        .register({
          requestDelegate: {
            onAccept: () => {
              settle();
              if (registerer !== this.#registerer || this.#stopping) return;
              this.#registerRetryAttempt = 0;
              // Needed besides the stateChange listener: re-registering after a reconnect
              // leaves sip.js' state at Registered throughout, so no state change is emitted.
              this.#setRegistration({ kind: 'registered' });
            },
            onReject: (response) => {
              settle();
              this.#onRegisterRejected(registerer, response.message.statusCode ?? 0);
            },
            onRedirect: (response) => {
              settle();
              this.#onRegisterRejected(registerer, response.message.statusCode ?? 0);
            },
          },
        })
        .catch((error: unknown) => {
          settle();
          this.#log('warn', `REGISTER not sent: ${shortErrorText(error)}`);
        });
    } catch (error) {
      // register() throws synchronously once the Registerer is disposed.
      settle();
      this.#log('warn', `REGISTER not sent: ${shortErrorText(error)}`);
    }
    // Without sip.js' waiting emitter our own flag is all we have; see #registerInFlight.
  }

  #onRegisterRejected(registerer: Registerer, statusCode: number): void {
    if (registerer !== this.#registerer || this.#stopping) return;
    const connected = this.#transportConnected && (this.#ua?.isConnected() ?? false);
    const failure = classifyRegisterFailure(statusCode, connected);
    this.#log('warn', `REGISTER failed: ${failure.detail} (${failure.reason})`);
    if (failure.reason === 'unreachable') {
      // The reconnect loop owns this case and re-registers once the socket is back; keep the
      // more specific detail the disconnect handler already published.
      if (this.#registration.kind !== 'failed' || this.#registration.reason !== 'unreachable') {
        this.#setRegistration({ kind: 'failed', reason: 'unreachable', detail: 'connection lost' });
      }
      return;
    }
    this.#setRegistration({ kind: 'failed', reason: failure.reason, detail: failure.detail });
    if (failure.reason === 'auth') {
      this.#authBlocked = true;
      return;
    }
    if (failure.retry) {
      // Honour Retry-After (only exposed during this callback) but never below our backoff.
      const retryAfterMs = (registerer.retryAfter ?? 0) * 1000;
      const delay = Math.max(retryAfterMs, backoffDelayMs(this.#registerRetryAttempt, this.#backoff, this.#random));
      this.#registerRetryAttempt++;
      this.#clearRegisterRetryTimer();
      this.#registerRetryTimer = setTimeout(() => {
        this.#registerRetryTimer = undefined;
        this.#registerNeeded = true;
        this.#pumpRegistration();
      }, delay);
    }
  }

  #clearRegisterRetryTimer(): void {
    if (this.#registerRetryTimer !== undefined) clearTimeout(this.#registerRetryTimer);
    this.#registerRetryTimer = undefined;
  }

  #setRegistration(next: RegistrationState): void {
    if (sameRegistration(this.#registration, next)) return;
    this.#registration = next;
    if (next.kind === 'registered') this.#resubscribeAll();
    for (const listener of [...this.#registrationListeners]) {
      try {
        listener(next);
      } catch (error) {
        this.#log('error', `registration listener threw: ${shortErrorText(error)}`);
      }
    }
  }

  #requireStarted(): UserAgent {
    if (this.#ua === null || this.#stopping) throw new PhoneEngineError('not-started', 'The phone engine is not started');
    return this.#ua;
  }

  // ------------------------------------------------------------------------------------------
  // Incoming calls

  #onInvite(ua: UserAgent, invitation: Invitation): void {
    const config = this.#config;
    if (ua !== this.#ua || this.#stopping || config === null) {
      invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    const replaced = this.#replacedCall(invitation);
    if (replaced === 'refuse') {
      invitation.reject({ statusCode: 481 }).catch(() => undefined);
      return;
    }
    // Call waiting up to MAX_CALLS; a further call hears busy. A replacement frees a line itself.
    if (replaced === null && this.#calls.size >= MAX_CALLS) {
      invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    const identity = invitation.remoteIdentity;
    const call = this.#beginCall(
      {
        id: newCallId(),
        direction: 'incoming',
        remoteNumber: describeRemoteParty(identity.uri.user, identity.uri.host, config.domain),
        remoteName: sanitizeDisplayName(identity.displayName),
        sipCallId: invitation.request.callId,
      },
      invitation,
      { type: 'incoming' },
    );
    if (replaced !== null) {
      // Either the far end of our consultation is being joined to the transferee (attended
      // transfer, we are the target), or a colleague picked up the call we are placing (pickup,
      // RFC 3891 early-only): take the new call without ringing, and let the old one go.
      if (replaced.machine.phase === 'calling' && replaced.session instanceof Inviter) {
        // sip.js would BYE the replaced session after answering, which an early outgoing call
        // cannot do (it rejects); we CANCEL it instead, saying the call was answered elsewhere
        // (RFC 3326 cause 200) so the ringing colleague's phone does not count a missed call.
        invitation._replacee = undefined;
        replaced.session.cancel({ statusCode: 200, reasonPhrase: 'Call completed elsewhere' }).catch(() => undefined);
      }
      this.#apply(replaced, { type: 'replaced' });
      this.answer(call.info.id).catch((error: unknown) => {
        this.#log('warn', `replacing call not answered: ${shortErrorText(error)}`);
      });
      return;
    }
    invitation.progress().catch((error: unknown) => {
      if (this.#isLive(call)) this.#log('warn', `180 Ringing not sent: ${shortErrorText(error)}`);
    });
  }

  /**
   * The call an INVITE with Replaces takes over (sip.js matched its dialog), null for an
   * ordinary INVITE, 'refuse' when it would replace something we do not offer to replace: only a
   * connected call of ours can be joined elsewhere.
   */
  #replacedCall(invitation: Invitation): ActiveCall | null | 'refuse' {
    const replacee: Session | undefined = invitation.replacee;
    if (replacee === undefined) return null;
    const call = [...this.#calls.values()].find((c) => c.session === replacee);
    if (call === undefined) return 'refuse';
    // A connected call (attended transfer), or one we are placing that rings a colleague (pickup).
    if (call.machine.phase === 'in-call') return call;
    return call.machine.phase === 'calling' && call.session instanceof Inviter ? call : 'refuse';
  }

  /**
   * The far end transfers us (REFER): we call the target and it replaces this call. Followed
   * only for a target inside our PBX (acceptableReferTarget); the new call is an ordinary
   * outgoing call in the history.
   */
  #onRefer(call: ActiveCall, referral: Referral): void {
    const config = this.#config;
    let target: { scheme: string; host: string; replaces: boolean } | null;
    try {
      const uri = referral.referTo.uri;
      target = { scheme: uri.scheme, host: uri.host, replaces: referral.replaces !== undefined };
    } catch {
      target = null;
    }
    if (config === null || target === null || !acceptableReferTarget(target, config.domain) || call.machine.phase !== 'in-call' || this.#calls.size >= MAX_CALLS) {
      referral.reject({ statusCode: 403 }).catch(() => undefined);
      return;
    }
    referral.accept().catch(() => undefined);
    const inviter = referral.makeInviter({ sessionDescriptionHandlerOptions: SESSION_MEDIA_OPTIONS, earlyMedia: false });
    const uri = inviter.remoteIdentity.uri;
    const next = this.#beginCall(
      {
        id: newCallId(),
        direction: 'outgoing',
        remoteNumber: describeRemoteParty(uri.user, uri.host, config.domain),
        remoteName: null,
        sipCallId: inviter.request.callId,
      },
      inviter,
      { type: 'dial' },
    );
    this.#emit({ type: 'transferred-to', call: next.info, from: call.info });
    // sip.js reports the new call's progress to the transferor (NOTIFY sipfrag) by itself; the
    // transferor then ends the old call with a BYE.
    this.#sendInvite(next, inviter).catch(() => undefined);
  }

  /** The far end re-INVITEd: it may have put us on hold, or taken us off it. */
  #onRemoteReinvite(call: ActiveCall): void {
    const sdp = peerConnectionOf(call.session)?.remoteDescription?.sdp;
    if (sdp === undefined) return;
    const held = sdpHoldsUs(sdp);
    if (held !== call.machine.state.remoteHeld) this.#apply(call, { type: 'remote-hold', held });
  }

  /** INFO inside a call: DTMF relay is accepted (and logged as a tone); other packages refused. */
  #onInfo(info: Info): void {
    const contentType = info.request.getHeader('content-type') ?? '';
    if (/^application\/dtmf-relay\b/i.test(contentType) && parseDtmfInfo(info.request.body) !== null) {
      info.accept().catch(() => undefined);
      return;
    }
    // RFC 6086 §4.2.2: an Info Package we do not take is refused with 469.
    info.reject({ statusCode: 469, extraHeaders: ['Recv-Info: dtmf'] }).catch(() => undefined);
  }

  async #rejectIncoming(call: ActiveCall, invitation: Invitation): Promise<void> {
    this.#apply(call, { type: 'reject' });
    try {
      // Invitation.reject() alone sends 480 ("temporarily unavailable"); a declined call is busy.
      await invitation.reject({ statusCode: 486 });
    } catch (error) {
      this.#log('warn', `486 not sent: ${shortErrorText(error)}`);
      this.#forceFinish(call, 'error');
    }
  }

  // ------------------------------------------------------------------------------------------
  // Call bookkeeping shared by both directions

  #beginCall(info: CallInfo, session: Inviter | Invitation, first: CallMachineEvent): ActiveCall {
    const machine = new CallStateMachine();
    machine.dispatch(first);
    const call: ActiveCall = {
      muted: false,
      transferring: false,
      info: Object.freeze({ ...info }),
      session,
      machine,
      finalStatus: null,
      inviteSent: false,
      remoteCancelled: false,
      answeredElsewhere: false,
      remoteBye: false,
      hangupWhenEstablished: false,
      remoteMediaSent: false,
      watchdog: undefined,
      refreshedEpoch: 0,
      cleanups: [],
    };
    this.#calls.set(info.id, call);

    const onState = (state: SessionState): void => {
      if (!this.#isLive(call)) return;
      switch (state) {
        case SessionState.Establishing:
          call.inviteSent = true;
          break;
        case SessionState.Established:
          this.#onEstablished(call);
          break;
        case SessionState.Terminated:
          // sip.js reports Terminated before it hands the final response to our request
          // delegate (same call stack); one microtask later the status code is known.
          queueMicrotask(() => {
            this.#onSessionTerminated(call);
          });
          break;
        default:
          break;
      }
    };
    session.stateChange.addListener(onState);
    call.cleanups.push(() => {
      session.stateChange.removeListener(onState);
    });
    session.delegate = {
      onBye: (bye: Bye) => {
        call.remoteBye = true;
        bye.accept().catch(() => undefined);
      },
      onCancel: (cancel: Cancel) => {
        call.remoteCancelled = true;
        // Reason: SIP;cause=200 — a colleague picked the call up (RFC 3326).
        call.answeredElsewhere = /\bcause\s*=\s*200\b/i.test(cancel.request.getHeader('reason') ?? '');
      },
      // Without this sip.js accepts any REFER and dials the Refer-To target by itself: a
      // remote party could make us call anyone. #onRefer decides.
      onRefer: (referral: Referral) => {
        this.#onRefer(call, referral);
      },
      onInvite: () => {
        this.#onRemoteReinvite(call);
      },
      onInfo: (info: Info) => {
        this.#onInfo(info);
      },
    };

    this.#emit({ type: 'started', call: call.info });
    this.#emit({ type: 'phase', call: call.info, phase: machine.phase });
    return call;
  }

  #onEstablished(call: ActiveCall): void {
    if (!this.#apply(call, { type: 'established' })) {
      // We already gave up on this call (e.g. the transport dropped); don't leave a dialog up.
      call.session.bye().catch(() => undefined);
      return;
    }
    this.#emitRemoteMedia(call);
    if (call.hangupWhenEstablished) {
      this.hangup(call.info.id).catch((error: unknown) => {
        this.#log('warn', `deferred hangup failed: ${shortErrorText(error)}`);
      });
    }
  }

  #onSessionTerminated(call: ActiveCall): void {
    if (!this.#isLive(call)) return;
    switch (call.machine.phase) {
      case 'calling':
        this.#apply(call, this.#outgoingEndEvent(call));
        break;
      case 'ringing':
        if (call.remoteCancelled) this.#apply(call, { type: 'remote-cancel', elsewhere: call.answeredElsewhere });
        // Accepted but never established: building the answer failed (microphone, SDP).
        else if (call.machine.state.accepted) this.#apply(call, { type: 'failure', reason: 'media' });
        // Nobody answered before sip.js' no-answer timer (480) or the INVITE's Expires (487).
        else this.#apply(call, { type: 'no-answer' });
        break;
      case 'in-call':
        // Not a BYE from the far end: sip.js ended the dialog itself (e.g. no ACK to our 200).
        this.#apply(call, call.remoteBye ? { type: 'remote-bye' } : { type: 'failure', reason: 'session' });
        break;
      case 'ending':
      case 'idle':
        break;
    }
    this.#apply(call, { type: 'terminated' });
  }

  #outgoingEndEvent(call: ActiveCall): CallMachineEvent {
    const status = call.finalStatus;
    if (status !== null) {
      // sip.js turns a send failure into a local 503 and a silent server into a local 408.
      if ((status === 503 || status === 408) && !this.#transportConnected) return { type: 'failure', reason: 'transport' };
      return { type: 'remote-reject', status };
    }
    // Terminated before the INVITE went out: getUserMedia or the offer failed.
    if (!call.inviteSent) return { type: 'failure', reason: 'media' };
    return { type: 'failure', reason: 'error' };
  }

  /**
   * Frees the call slot now, when sip.js cannot (or did not in time) confirm the end. The
   * sip.js session is then wound down on its own, detached from the UI.
   */
  #forceFinish(call: ActiveCall, reason: string): void {
    if (!this.#isLive(call)) return;
    if (call.machine.phase !== 'ending') this.#apply(call, { type: 'failure', reason });
    this.#apply(call, { type: 'terminated' });
    releaseSession(call.session);
  }

  /**
   * Feeds one event to the call's state machine and publishes what changed. Returns false
   * (and changes nothing) for an event the machine refuses: sip.js callbacks can race our
   * own verbs, and a late duplicate must not take the engine down.
   */
  #apply(call: ActiveCall, event: CallMachineEvent): boolean {
    if (!this.#isLive(call)) return false;
    const previous = call.machine.state;
    const before = previous.phase;
    try {
      call.machine.dispatch(event);
    } catch (error) {
      if (error instanceof InvalidCallTransition) {
        this.#log('debug', error.message);
        return false;
      }
      throw error;
    }
    const after = call.machine.phase;
    if (after === before) {
      const { hold, remoteHeld } = call.machine.state;
      if (hold !== previous.hold || remoteHeld !== previous.remoteHeld) this.#emit({ type: 'hold', call: call.info, hold, remoteHeld });
      return true;
    }

    if (after === 'idle') {
      this.#finishCall(call);
      return true;
    }
    if (after === 'ending') {
      call.watchdog = setTimeout(() => {
        call.watchdog = undefined;
        this.#log('warn', 'call teardown not confirmed in time; releasing the call');
        this.#forceFinish(call, 'timeout');
      }, ENDING_WATCHDOG_MS);
    }
    this.#emit({ type: 'phase', call: call.info, phase: after });
    if (after === 'in-call') this.#emit({ type: 'answered', call: call.info });
    return true;
  }

  #finishCall(call: ActiveCall): void {
    if (call.watchdog !== undefined) clearTimeout(call.watchdog);
    call.watchdog = undefined;
    for (const cleanup of call.cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // Best effort: the session is gone anyway.
      }
    }
    this.#calls.delete(call.info.id);
    const end = call.machine.state.end;
    // Phase first, then the record: a listener that redials on 'ended' finds the engine idle.
    this.#emit({ type: 'phase', call: call.info, phase: 'idle' });
    this.#emit({
      type: 'ended',
      call: call.info,
      outcome: end?.outcome ?? 'failed',
      reason: end?.reason ?? null,
    });
  }

  #emitRemoteMedia(call: ActiveCall): void {
    if (call.remoteMediaSent || !this.#isLive(call)) return;
    const sdh = call.session.sessionDescriptionHandler;
    if (!(sdh instanceof Web.SessionDescriptionHandler)) return;
    const pc = sdh.peerConnection;
    if (pc === undefined) return;
    const tracks = pc
      .getReceivers()
      .map((receiver) => receiver.track)
      .filter((track) => track.kind === 'audio');
    if (tracks.length === 0) {
      // Tracks normally exist once the answer is applied; if not, wait for the first one.
      const onTrack = (): void => {
        this.#emitRemoteMedia(call);
      };
      pc.addEventListener('track', onTrack, { once: true });
      call.cleanups.push(() => {
        pc.removeEventListener('track', onTrack);
      });
      return;
    }
    call.remoteMediaSent = true;
    this.#emit({ type: 'remote-media', call: call.info, stream: new MediaStream(tracks) });
  }

  #emit(event: CallEvent): void {
    for (const listener of [...this.#callListeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#log('error', `call listener threw on '${event.type}': ${shortErrorText(error)}`);
      }
    }
  }
}

/** The engine the UI uses. */
export function createPhoneEngine(options: SipJsPhoneEngineOptions = {}): PhoneEngine {
  return new SipJsPhoneEngine(options);
}

// ---------------------------------------------------------------------------------------------
// Module-private helpers

/** ICE still has a working pair: the call's audio path survived whatever the signalling did. */
function mediaConnected(session: Inviter | Invitation): boolean {
  const sdh = session.sessionDescriptionHandler;
  if (!(sdh instanceof Web.SessionDescriptionHandler) || sdh.peerConnection === undefined) return false;
  const state = sdh.peerConnection.iceConnectionState;
  return state === 'connected' || state === 'completed';
}

/**
 * A GRUU as registrars hand it out (sip:1001@pbx;gr=urn:uuid:…) names no transport, and a
 * proxy that routes a request straight to our Contact by address (the presence server's NOTIFY
 * after it rewrote the host to our source address) would then pick UDP, which a browser does not
 * speak. sip.js stores the GRUU from every REGISTER answer on `ua.contact`: add ;transport=ws as
 * it is stored (RFC 7118 uses 'ws' for WSS too).
 */
function keepGruuOnWebSocket(ua: UserAgent): void {
  const contact = ua.contact as { pubGruu?: URI | undefined };
  let pubGruu: URI | undefined = contact.pubGruu;
  Object.defineProperty(contact, 'pubGruu', {
    configurable: true,
    enumerable: true,
    get: () => pubGruu,
    set: (value: URI | undefined) => {
      if (value !== undefined && !value.hasParam('transport')) value.setParam('transport', 'ws');
      pubGruu = value;
    },
  });
}

/**
 * getUserMedia can resolve after the call was already torn down (hang up while the
 * permission prompt or device is slow). sip.js would then drop the stream without stopping
 * it, leaving the microphone on; stop it here instead.
 */
const closedAwareMediaStreamFactory = async (
  constraints: MediaStreamConstraints,
  sessionDescriptionHandler: Web.SessionDescriptionHandler,
): Promise<MediaStream> => {
  if (!constraints.audio && !constraints.video) return new MediaStream();
  const devices = globalThis.navigator?.mediaDevices as MediaDevices | undefined;
  if (devices === undefined) throw new Error('Media devices are not available (insecure context?)');
  const stream = await devices.getUserMedia(constraints);
  if (sessionDescriptionHandler.peerConnection === undefined) {
    for (const track of stream.getTracks()) track.stop();
    throw new Error('Call ended before the microphone was ready');
  }
  return stream;
};

/** The constraints with the chosen microphone (`deviceId: { exact }`); as they are for the default. */
function withMicrophone(constraints: MediaStreamConstraints, deviceId: string | null): MediaStreamConstraints {
  if (deviceId === null || !constraints.audio) return constraints;
  const audio = typeof constraints.audio === 'object' ? constraints.audio : {};
  return { ...constraints, audio: { ...audio, deviceId: { exact: deviceId } } };
}

/** getUserMedia's answer when an exact deviceId is not there (unplugged). */
function isMissingDevice(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'OverconstrainedError' || name === 'NotFoundError';
}

/**
 * Winds down a session the UI has already been told is over. Media stops at once: a call the
 * user sees as ended must not keep the microphone open. Signalling follows as far as it can
 * (CANCEL / 480 / BYE), and a dialog that still comes up later is closed with a BYE.
 */
function releaseSession(session: Inviter | Invitation): void {
  const closeMedia = (): void => {
    try {
      session.sessionDescriptionHandler?.close();
    } catch {
      // Already closed.
    }
  };
  closeMedia();
  if (session.state === SessionState.Terminated) return;
  const onState = (state: SessionState): void => {
    if (state === SessionState.Established) {
      session.bye().catch(() => undefined);
    } else if (state === SessionState.Terminated) {
      session.stateChange.removeListener(onState);
      // sip.js skips closing media when dispose() already ran once; make sure.
      closeMedia();
    }
  };
  session.stateChange.addListener(onState);
  try {
    switch (session.state) {
      case SessionState.Initial:
      case SessionState.Establishing:
        if (session instanceof Inviter) session.cancel().catch(() => undefined);
        // An Invitation being accepted fails on its own now that its media is closed.
        else if (session.state === SessionState.Initial) session.reject({ statusCode: 480 }).catch(() => undefined);
        break;
      case SessionState.Established:
        session.bye().catch(() => undefined);
        break;
      default:
        break;
    }
  } catch {
    // sip.js throws synchronously for some dialog states; the listener above still cleans up.
  }
}

/** Takes back an offer the far end did not answer (RFC 3264 §8: the session stays as it was). */
async function rollbackLocalOffer(session: Inviter | Invitation): Promise<void> {
  const pc = peerConnectionOf(session);
  if (pc?.signalingState !== 'have-local-offer') return;
  try {
    await pc.setLocalDescription({ type: 'rollback' });
  } catch {
    // Closed meanwhile (the call ended): nothing left to roll back.
  }
}

function peerConnectionOf(session: Inviter | Invitation): RTCPeerConnection | undefined {
  const sdh = session.sessionDescriptionHandler;
  return sdh instanceof Web.SessionDescriptionHandler ? sdh.peerConnection : undefined;
}

function validateConfig(config: SipAccountConfig): void {
  if (config.user.trim() === '') throw new InvalidPhoneConfig('User is empty');
  if (config.authorizationUser.trim() === '') throw new InvalidPhoneConfig('Authorization user is empty');
  if (!isPlausibleDomain(config.domain)) throw new InvalidPhoneConfig('Invalid SIP domain');
  let server: URL;
  try {
    server = new URL(config.wsServer);
  } catch {
    throw new InvalidPhoneConfig('Invalid WebSocket server URL');
  }
  if (server.protocol !== 'wss:' && server.protocol !== 'ws:') {
    throw new InvalidPhoneConfig('WebSocket server must be a wss:// (or ws://) URL');
  }
  if (server.username !== '' || server.password !== '') {
    throw new InvalidPhoneConfig('WebSocket server URL must not carry credentials');
  }
  if (!Number.isFinite(config.iceGatheringTimeoutMs) || config.iceGatheringTimeoutMs <= 0) {
    // sip.js treats 0 as "wait for gathering to complete", which can hold a call for seconds.
    throw new InvalidPhoneConfig('ICE gathering timeout must be a positive number of milliseconds');
  }
  if (!Number.isInteger(config.registerExpiresSec) || config.registerExpiresSec <= 0) {
    throw new InvalidPhoneConfig('REGISTER expiry must be a positive whole number of seconds');
  }
  if (!Array.isArray(config.iceServers)) throw new InvalidPhoneConfig('ICE servers must be a list');
}

function sameRegistration(a: RegistrationState, b: RegistrationState): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'failed' && b.kind === 'failed') return a.reason === b.reason && a.detail === b.detail && a.retryAt === b.retryAt && a.lost === b.lost;
  return true;
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function unregisterAndWait(registerer: Registerer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    registerer
      .unregister({
        requestDelegate: {
          onAccept: () => {
            resolve();
          },
          onReject: (response) => {
            reject(new Error(`sip:${response.message.statusCode ?? 0}`));
          },
        },
      })
      .catch(reject);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
