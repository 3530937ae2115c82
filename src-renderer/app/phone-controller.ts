import type { SipCredentials } from '../../src-preload/contract';
import type { TsunaguApi } from '../../src-preload/api';
import type {
  CallInfo,
  CallOutcome,
  CallPhase,
  PhoneEngine,
  RegistrationState,
  SipAccountConfig,
} from '../phone/types';

export interface PhoneView {
  configured: boolean;
  registration: RegistrationState;
  phase: CallPhase;
  call: CallInfo | null;
  remoteStream: MediaStream | null;
  /** How the last call ended, shown until the next call starts. */
  lastEnded: { outcome: CallOutcome; reason: string | null } | null;
  /** i18n key of the last action error (e.g. microphone denied), cleared by the next action. */
  actionError: string | null;
  /** Bumped whenever a call ends, so the history view knows to reload. */
  historyVersion: number;
}

/** Engine settings not (yet) exposed to users. */
export const ENGINE_DEFAULTS = {
  // No STUN/TURN by default: cloud PBX media gateways are reachable and ICE-lite, and sip.js'
  // default public STUN server would leak the user's address to a third party.
  iceServers: [] as RTCIceServer[],
  // Host candidates are gathered within a few ms; waiting for "gathering complete" can hold
  // the INVITE for a long time on machines with many interfaces. Cap it.
  iceGatheringTimeoutMs: 200,
  registerExpiresSec: 600,
};

export function toEngineConfig(credentials: SipCredentials): SipAccountConfig {
  const { account, password } = credentials;
  return {
    user: account.user,
    authorizationUser: account.authorizationUser || account.user,
    password,
    domain: account.domain,
    wsServer: account.wsServer,
    outboundProxy: account.outboundProxy || undefined,
    displayName: account.displayName || undefined,
    ...ENGINE_DEFAULTS,
  };
}

/**
 * Joins the SIP engine, the bridge and the UI. It records every call in the main process's
 * history as it happens (start, answer, end), in order, and exposes one immutable view
 * snapshot for React's useSyncExternalStore.
 */
export class PhoneController {
  private view: PhoneView = {
    configured: false,
    registration: { kind: 'unregistered' },
    phase: 'idle',
    call: null,
    remoteStream: null,
    lastEnded: null,
    actionError: null,
    historyVersion: 0,
  };
  private readonly listeners = new Set<() => void>();
  private localAccount = '';
  /** History writes go out strictly in order: an 'ended' must never overtake its 'started'. */
  private historyQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: PhoneEngine,
    private readonly bridge: TsunaguApi,
  ) {
    engine.onRegistration((registration) => this.update({ registration }));
    engine.onCall((event) => {
      switch (event.type) {
        case 'started':
          this.update({ call: event.call, remoteStream: null, lastEnded: null, actionError: null });
          this.record(() =>
            bridge.history.callStarted({
              callId: event.call.id,
              direction: event.call.direction,
              remoteNumber: event.call.remoteNumber,
              remoteName: event.call.remoteName,
              localAccount: this.localAccount,
              sipCallId: event.call.sipCallId,
            }),
          );
          break;
        case 'phase':
          this.update({ phase: event.phase, call: event.call });
          break;
        case 'answered':
          this.update({ call: event.call });
          this.record(() => bridge.history.callAnswered(event.call.id));
          break;
        case 'remote-media':
          this.update({ remoteStream: event.stream });
          break;
        case 'ended':
          this.update({ lastEnded: { outcome: event.outcome, reason: event.reason }, remoteStream: null });
          this.record(() => bridge.history.callEnded({ callId: event.call.id, outcome: event.outcome, reason: event.reason }));
          this.record(async () => this.update({ historyVersion: this.view.historyVersion + 1 }));
          break;
      }
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): PhoneView => this.view;

  /** Loads the stored account and registers it. Called once at start-up. */
  async start(): Promise<void> {
    const result = await this.bridge.phone.getCredentials();
    if (!result.ok || result.value === null) {
      this.update({ configured: false });
      return;
    }
    const credentials = result.value;
    this.localAccount = `${credentials.account.user}@${credentials.account.domain}`;
    this.update({ configured: true });
    await this.engine.start(toEngineConfig(credentials));
  }

  async stop(): Promise<void> {
    await this.engine.stop();
  }

  dial(target: string): Promise<void> {
    return this.act(() => this.engine.dial(target));
  }

  answer(): Promise<void> {
    return this.act(() => this.engine.answer());
  }

  reject(): Promise<void> {
    return this.act(() => this.engine.reject());
  }

  hangup(): Promise<void> {
    return this.act(() => this.engine.hangup());
  }

  private async act(action: () => Promise<void>): Promise<void> {
    this.update({ actionError: null });
    try {
      await action();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      this.update({ actionError: name === 'NotAllowedError' || name === 'NotFoundError' ? 'call.microphoneDenied' : 'errors.generic' });
    }
  }

  private record(write: () => Promise<unknown>): void {
    this.historyQueue = this.historyQueue.then(write).catch(() => {
      // A failed history write must not break the call; main logs its own side.
    });
  }

  private update(patch: Partial<PhoneView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of this.listeners) listener();
  }
}
