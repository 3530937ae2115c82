import type { CallCommand, ContactMatch, PhoneStatus, SipCredentials } from '../../src-preload/contract';
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
  muted: boolean;
  /** The phonebook entry for the current call's number, once looked up. */
  contact: ContactMatch | null;
  /** Bumped when something (a global shortcut) asks for the number field to take focus. */
  focusDialerRequests: number;
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
    muted: false,
    contact: null,
    focusDialerRequests: 0,
  };
  private doNotDisturb = false;
  private lastReported = '';
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
          this.update({ call: event.call, remoteStream: null, lastEnded: null, actionError: null, muted: false, contact: null });
          // The ring shows the number at once; the stored name follows when the lookup answers.
          void bridge.contacts.lookup(event.call.remoteNumber).then((result) => {
            if (result.ok && result.value && this.view.call?.id === event.call.id) this.update({ contact: result.value });
          });
          // Do not disturb: decline at once as busy; the caller hears busy, history says 拒否.
          if (this.doNotDisturb && event.call.direction === 'incoming') queueMicrotask(() => void this.engine.reject());
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

  setDoNotDisturb(on: boolean): void {
    this.doNotDisturb = on;
  }

  toggleMute(): void {
    if (this.view.phase !== 'in-call') return;
    this.update({ muted: this.engine.setMuted(!this.view.muted) });
  }

  /** A command from main (notification action, global shortcut). */
  handleCommand({ command, callId }: CallCommand): void {
    // A click on an old notification must not act on a newer call.
    if (callId !== null && callId !== this.view.call?.id) return;
    const phase = this.view.phase;
    switch (command) {
      case 'answer':
        if (phase === 'ringing') void this.answer();
        break;
      case 'reject':
        if (phase === 'ringing') void this.reject();
        break;
      case 'hangup':
        // One key for "hang up / decline", as on a headset button.
        if (phase === 'ringing') void this.reject();
        else if (phase === 'calling' || phase === 'in-call') void this.hangup();
        break;
      case 'toggle-mute':
        this.toggleMute();
        break;
      case 'focus-dialer':
        this.update({ focusDialerRequests: this.view.focusDialerRequests + 1 });
        break;
    }
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
    this.reportStatus();
  }

  /** Tells main what the tray and notifications should show; only when it changed. */
  private reportStatus(): void {
    const { registration, phase, call, configured } = this.view;
    const status: PhoneStatus = {
      registration: registration.kind,
      failure: registration.kind === 'failed' ? registration.reason : null,
      account: configured ? this.localAccount : '',
      phase,
      call:
        call && phase !== 'idle'
          ? { callId: call.id, direction: call.direction, remoteNumber: call.remoteNumber, remoteName: call.remoteName, calledLine: this.localAccount || null }
          : null,
    };
    const key = JSON.stringify(status);
    if (key === this.lastReported) return;
    this.lastReported = key;
    void this.bridge.phone.reportStatus(status);
  }
}
