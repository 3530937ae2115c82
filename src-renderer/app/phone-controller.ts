import type { CallButtons, CallCommand, LineKey, PhoneStatus, SipCredentials } from '../../src-preload/contract';

/** What the UI shows of the party on a line once known: a name, and perhaps a photo. */
export interface CallerContact {
  name: string;
  photo: string | null;
}
import type { TsunaguApi } from '../../src-preload/api';
import { PhoneEngineError } from '../phone/errors';
import { lampState, type LampState, type MessageSummary, type WatchedDialog } from '../phone/presence-parsers';
import type {
  CallEvent,
  CallInfo,
  CallOutcome,
  CallPhase,
  HoldState,
  PhoneEngine,
  RegistrationState,
  SipAccountConfig,
} from '../phone/types';

/** One registered SIP account as the UI shows it: its own lamp, its label, its identity. */
export interface AccountStatus {
  id: string;
  /** What the user calls this line: the account's display name, else its extension. */
  label: string;
  /** `user@domain`: the identity calls on this account come from and ring to. */
  aor: string;
  user: string;
  registration: RegistrationState;
}

/** One call as the UI shows it: a line of the phone. */
export interface LineView {
  info: CallInfo;
  /** The account the call is on: the line that was called (着信先), or the one we call from. */
  accountId: string;
  phase: CallPhase;
  hold: HoldState;
  /** The far end holds us. */
  remoteHeld: boolean;
  muted: boolean;
  /** Who the number belongs to (personal or web phonebook), once main's lookup chain answers. */
  contact: CallerContact | null;
  remoteStream: MediaStream | null;
  /** This call is the consultation of an attended transfer of that (held) call. */
  consultationFor: string | null;
  /** A pickup: the caller we took over (their number), shown instead of the pickup code. */
  pickedUpFrom: string | null;
}

export interface PhoneView {
  configured: boolean;
  /** The default account's registration (the first enabled one). */
  registration: RegistrationState;
  /** Every enabled account, in the user's order, each with its own lamp. */
  accounts: readonly AccountStatus[];
  /** The account outgoing calls use unless a line key names another (null: the default). */
  selectedAccount: string | null;
  /** The account the call button would use now (line key, chosen account or default). */
  dialAccountId: string | null;
  /** Every call, oldest first. */
  lines: LineView[];
  /** The call the buttons act on (the one the user talks on, or looks at). */
  focusedId: string | null;
  // The focused line, spelled out for the parts of the UI that show one call.
  phase: CallPhase;
  call: CallInfo | null;
  hold: HoldState;
  remoteStream: MediaStream | null;
  muted: boolean;
  contact: CallerContact | null;
  /** The focused call is a pickup of this caller's call. */
  pickedUpFrom: string | null;
  /** A call ringing while another is focused (call waiting), shown beside it. */
  waiting: LineView | null;
  /** How the last call ended, shown until the next call starts. */
  lastEnded: { outcome: CallOutcome; reason: string | null } | null;
  /** i18n key of the last action error (e.g. microphone denied), cleared by the next action. */
  actionError: string | null;
  /** Bumped whenever a call ends, so the history view knows to reload. */
  historyVersion: number;
  /** Bumped when something (a global shortcut) asks for the number field to take focus. */
  focusDialerRequests: number;
  /** Lamps by watched extension (BLF keys and park slots): what the PBX last told us. */
  lamps: Readonly<Record<string, Lamp>>;
  /** Voicemail waiting (MWI) by account id: each account's mailbox, once it told us. */
  voicemail: Readonly<Record<string, MessageSummary>>;
  /** The line pad's chosen line (index into the configured lines), null for the default line. */
  selectedLine: number | null;
}

export interface Lamp {
  state: LampState;
  /** The watched party's dialogs, e.g. who is calling a ringing colleague. */
  dialogs: readonly WatchedDialog[];
}

interface AccountRuntime extends AccountStatus {
  engine: PhoneEngine;
}

/**
 * Which line the buttons act on when the focused one is gone: the call being talked on, else
 * one being set up, else a held one, else one ringing.
 */
export function pickFocus(lines: readonly LineView[], current: string | null): string | null {
  if (current !== null && lines.some((line) => line.info.id === current)) return current;
  const rank = (line: LineView): number => {
    if (line.phase === 'in-call' && line.hold === 'none') return 0;
    if (line.phase === 'calling') return 1;
    if (line.phase === 'in-call') return 2;
    if (line.phase === 'ringing') return 3;
    return 4;
  };
  const best = [...lines].sort((a, b) => rank(a) - rank(b))[0];
  return best?.info.id ?? null;
}

/** Below the 60 s idle timeout of common NATs and proxies, so the path stays open and a dead one
 *  is noticed within half a minute. */
export const DEFAULT_KEEPALIVE_SEC = 30;

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
    dtmfMode: account.dtmfMode ?? 'rfc4733',
    keepaliveIntervalSec: account.keepaliveSec ?? DEFAULT_KEEPALIVE_SEC,
    ...ENGINE_DEFAULTS,
  };
}

/**
 * Joins the SIP engine, the bridge and the UI. It records every call in the main process's
 * history as it happens (start, answer, end), in order, and exposes one immutable view
 * snapshot for React's useSyncExternalStore. It is also where a desk phone's habits live: a new
 * call or an answered waiting call first holds the call the user is on; 保留 during a
 * consultation abandons it and goes back to the held caller.
 */
export class PhoneController {
  private lines: LineView[] = [];
  private focusedId: string | null = null;
  private view: PhoneView = {
    configured: false,
    registration: { kind: 'unregistered' },
    accounts: [],
    selectedAccount: null,
    dialAccountId: null,
    lines: [],
    focusedId: null,
    phase: 'idle',
    call: null,
    hold: 'none',
    remoteStream: null,
    muted: false,
    contact: null,
    pickedUpFrom: null,
    waiting: null,
    lastEnded: null,
    actionError: null,
    historyVersion: 0,
    focusDialerRequests: 0,
    lamps: {},
    voicemail: {},
    selectedLine: null,
  };
  private buttons: CallButtons | null = null;
  /** Live lamp subscriptions by watched extension. */
  private readonly lampWatches = new Map<string, () => void>();
  private doNotDisturb = false;
  private lastReported = '';
  private readonly listeners = new Set<() => void>();
  /** One engine per enabled account, in the user's order; the first is the default line. */
  private accounts: AccountRuntime[] = [];
  /** History writes go out strictly in order: an 'ended' must never overtake its 'started'. */
  private historyQueue: Promise<unknown> = Promise.resolve();

  constructor(
    /** Makes the engine of one account (sip.js behind our interface). */
    private readonly createEngine: (accountId: string) => PhoneEngine,
    private readonly bridge: TsunaguApi,
  ) {
    bridge.onCallerIdentified((identity) => {
      const line = this.lines.find((l) => l.info.id === identity.callId);
      if (!line) return;
      // The photo event repeats the name; a photo already shown is kept if a later answer has none.
      this.patchLine(identity.callId, { contact: { name: identity.name, photo: identity.photo ?? line.contact?.photo ?? null } });
    });
  }

  private handleCall(account: AccountRuntime, event: CallEvent): void {
    const bridge = this.bridge;
    switch (event.type) {
      case 'started': {
        const line: LineView = {
          info: event.call,
          accountId: account.id,
          phase: 'idle',
          hold: 'none',
          remoteHeld: false,
          muted: false,
          contact: null,
          remoteStream: null,
          consultationFor: null,
          pickedUpFrom: null,
        };
        this.lines = [...this.lines, line];
        // Our own call, or the only call, takes the buttons; a call that rings in while the
        // user is on another waits beside it.
        if (event.call.direction === 'outgoing' || this.lines.length === 1) this.focusedId = event.call.id;
        this.update({ lastEnded: null, actionError: null });
        // The ring shows the number at once; the name, then the photo, follow as main's lookup
        // chain (personal phonebook, web phonebook cache, web phonebook server) answers.
        void bridge.contacts.identifyCaller(event.call.id, event.call.remoteNumber);
        // Do not disturb: decline at once as busy; the caller hears busy, history says 拒否.
        if (this.doNotDisturb && event.call.direction === 'incoming') queueMicrotask(() => void account.engine.reject(event.call.id).catch(() => undefined));
        this.record(() =>
          bridge.history.callStarted({
            callId: event.call.id,
            direction: event.call.direction,
            remoteNumber: event.call.remoteNumber,
            remoteName: event.call.remoteName,
            localAccount: account.aor,
            sipCallId: event.call.sipCallId,
          }),
        );
        break;
      }
      case 'phase':
        if (event.phase === 'idle') {
          this.lines = this.lines.filter((line) => line.info.id !== event.call.id);
          // A consultation whose held call is gone is an ordinary call now.
          this.lines = this.lines.map((line) => (line.consultationFor === event.call.id ? { ...line, consultationFor: null } : line));
          this.update({});
        } else {
          this.patchLine(event.call.id, { phase: event.phase, info: event.call });
        }
        break;
      case 'hold':
        this.patchLine(event.call.id, { hold: event.hold, remoteHeld: event.remoteHeld });
        break;
      case 'answered':
        this.patchLine(event.call.id, { info: event.call });
        this.record(() => bridge.history.callAnswered(event.call.id));
        break;
      case 'remote-media':
        this.patchLine(event.call.id, { remoteStream: event.stream });
        break;
      case 'transferred-to':
        // The far end handed us to someone: the new call is the one the user is on now.
        this.focusedId = event.call.id;
        this.update({});
        break;
      case 'transfer-failed':
        this.update({ actionError: 'call.transferFailed' });
        break;
      case 'ended':
        // The outcome is shown when it was the call the user looked at, or the last one.
        if (this.lines.length === 0 || this.focusedId === event.call.id) {
          this.update({ lastEnded: { outcome: event.outcome, reason: event.reason } });
        }
        this.record(() => bridge.history.callEnded({ callId: event.call.id, outcome: event.outcome, reason: event.reason }));
        this.record(async () => this.update({ historyVersion: this.view.historyVersion + 1 }));
        break;
    }
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): PhoneView => this.view;

  /** Loads the enabled accounts and registers them all at once. Called once at start-up. */
  async start(): Promise<void> {
    const result = await this.bridge.phone.getCredentials();
    if (!result.ok || result.value.length === 0) {
      this.update({ configured: false });
      return;
    }
    this.accounts = result.value.map((credentials) => {
      const { account } = credentials;
      const runtime: AccountRuntime = {
        id: credentials.id,
        label: account.displayName || account.user,
        aor: `${account.user}@${account.domain}`,
        user: account.user,
        engine: this.createEngine(credentials.id),
        registration: { kind: 'unregistered' },
      };
      runtime.engine.onRegistration((registration) => {
        runtime.registration = registration;
        this.update({});
      });
      runtime.engine.onCall((event) => this.handleCall(runtime, event));
      return runtime;
    });
    this.update({ configured: true });
    // Every account has a mailbox of its own (the PBX keeps one per extension): watch each.
    // (Busy lamps, by contrast, follow the default account only: a colleague's lamp is the same
    // on every line, and watching it on each would light it several times.)
    for (const runtime of this.accounts) {
      runtime.engine.watchMessageSummary((summary) => this.update({ voicemail: { ...this.view.voicemail, [runtime.id]: summary } }));
    }
    if (this.buttons) this.setButtons(this.buttons);
    const byId = new Map(result.value.map((credentials) => [credentials.id, credentials]));
    // One account that cannot register (a wrong password) must not hold the others back.
    await Promise.allSettled(this.accounts.map((runtime) => runtime.engine.start(toEngineConfig(byId.get(runtime.id)!))));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.accounts.map((runtime) => runtime.engine.stop()));
  }

  /** The account the next calls go out on (null: the default, the first enabled one). */
  selectAccount(id: string | null): void {
    this.update({ selectedAccount: id !== null && this.accounts.some((a) => a.id === id) ? id : null });
  }

  /**
   * A new call on the line chosen on the line pad. The call the user is on is held first, as a
   * desk phone's second line does.
   */
  dial(target: string): Promise<void> {
    return this.act(async () => {
      await this.placeCall(target);
    });
  }

  // ------------------------------------------------------------------------------------------
  // The line pad: lines, one-touch keys, park slots, busy lamps, pickup, voicemail

  /** The buttons as configured; lamps follow (subscriptions made and dropped to match). */
  setButtons(buttons: CallButtons): void {
    this.buttons = buttons;
    const wanted = new Set([...buttons.blf.map((key) => key.extension), ...buttons.park.map((slot) => slot.watch)]);
    for (const [extension, stop] of this.lampWatches) {
      if (wanted.has(extension)) continue;
      stop();
      this.lampWatches.delete(extension);
    }
    const primary = this.accounts[0];
    for (const extension of wanted) {
      if (this.lampWatches.has(extension) || !primary) continue;
      this.lampWatches.set(
        extension,
        primary.engine.watchDialogs(extension, (dialogs) => this.update({ lamps: { ...this.view.lamps, [extension]: { state: lampState(dialogs), dialogs } } })),
      );
    }
    const lamps = Object.fromEntries(Object.entries(this.view.lamps).filter(([extension]) => wanted.has(extension)));
    const selectedLine = this.view.selectedLine !== null && this.view.selectedLine < buttons.lines.length ? this.view.selectedLine : null;
    this.update({ lamps, selectedLine });
  }

  /** 外線パッド: the next calls go out on this line (null: the default line). */
  selectLine(index: number | null): void {
    this.update({ selectedLine: index !== null && this.buttons && index < this.buttons.lines.length ? index : null });
  }

  /**
   * パーク保留 n (0–5): a free slot parks the current call there (a transfer to the slot's park
   * code); a lit slot is taken back by calling its retrieve code.
   */
  park(slot: number): Promise<void> {
    const config = this.buttons?.park[slot];
    if (!config) return Promise.resolve();
    const occupied = (this.view.lamps[config.watch]?.state ?? 'idle') !== 'idle';
    const line = this.focused();
    if (!occupied && line?.phase === 'in-call') {
      return this.act(() => this.engineOf(line).blindTransfer(line.info.id, config.parkCode));
    }
    if (occupied) return this.dial(config.retrieveCode);
    return Promise.resolve();
  }

  /**
   * Directed pickup of a ringing colleague (BLF key), through the PBX's pickup code. The new
   * call is shown as the caller it takes over (from the colleague's lamp), not as the code.
   */
  pickup(extension: string): Promise<void> {
    const prefix = this.buttons?.pickup.directedPrefix ?? '';
    if (!prefix) return Promise.resolve();
    const ringing = this.view.lamps[extension]?.dialogs.find((dialog) => dialog.state !== 'confirmed' && dialog.direction !== 'initiator');
    const caller = userPart(ringing?.remoteIdentity ?? null);
    return this.act(async () => {
      const id = await this.placeCall(prefix + extension);
      if (caller === null) return;
      this.patchLine(id, { pickedUpFrom: caller });
      await this.bridge.contacts.identifyCaller(id, caller);
    });
  }

  groupPickup(): Promise<void> {
    const code = this.buttons?.pickup.group ?? '';
    return code ? this.dial(code) : Promise.resolve();
  }

  /**
   * 留守電開始 / 留守電終了 / 留守電状態: the PBX's feature codes, built from the extension of the
   * account the call goes out on (the code is dialled on that account, so it must name its own
   * mailbox, not the default account's).
   */
  voicemailAction(action: 'start' | 'stop' | 'status'): Promise<void> {
    const codes = this.buttons?.voicemail;
    const user = this.dialAccount()?.user ?? '';
    if (!codes || !user) return Promise.resolve();
    const code = action === 'start' ? codes.startPrefix && codes.startPrefix + user : action === 'stop' ? codes.stop : codes.statusPrefix && codes.statusPrefix + user;
    return code ? this.dial(code) : Promise.resolve();
  }

  private lineKey(): LineKey | undefined {
    return this.view.selectedLine === null ? undefined : this.buttons?.lines[this.view.selectedLine];
  }

  private lineOptions(): { prefix?: string; identity?: string } {
    const line = this.lineKey();
    if (!line) return {};
    return { ...(line.prefix ? { prefix: line.prefix } : {}), ...(line.identity ? { identity: line.identity } : {}) };
  }

  /** The account a new call goes out on: the line key's, else the one chosen beside the keypad,
   *  else the default. A line key naming an account that is gone or disabled falls back. */
  private dialAccount(): AccountRuntime | undefined {
    const named = this.lineKey()?.account;
    return this.accounts.find((a) => a.id === named) ?? this.accounts.find((a) => a.id === this.view.selectedAccount) ?? this.accounts[0];
  }

  /** The engine a call lives on. */
  private engineOf(line: LineView): PhoneEngine {
    const account = this.accounts.find((a) => a.id === line.accountId);
    if (!account) throw new Error('call on an unknown account');
    return account.engine;
  }

  /** Answers a ringing call (the waiting one if none is named); the current call is held first. */
  answer(callId?: string): Promise<void> {
    return this.act(async () => {
      const line = this.lineOf(callId) ?? this.lines.find((l) => l.phase === 'ringing');
      if (!line || line.phase !== 'ringing') return;
      await this.holdActive(line.info.id);
      this.focusedId = line.info.id;
      this.update({});
      await this.engineOf(line).answer(line.info.id);
    });
  }

  reject(callId?: string): Promise<void> {
    return this.act(async () => {
      const line = this.lineOf(callId) ?? this.lines.find((l) => l.phase === 'ringing');
      if (line?.phase === 'ringing') await this.engineOf(line).reject(line.info.id);
    });
  }

  hangup(callId?: string): Promise<void> {
    return this.act(async () => {
      const line = this.lineOf(callId) ?? this.focused();
      if (line) await this.engineOf(line).hangup(line.info.id);
    });
  }

  /**
   * 保留: holds the focused call, or resumes it when held. During a consultation it abandons
   * the consultation and returns to the held caller.
   */
  toggleHold(): Promise<void> {
    return this.act(async () => {
      const line = this.focused();
      if (!line || (line.phase !== 'in-call' && line.phase !== 'calling')) return;
      const original = line.consultationFor === null ? undefined : this.lineOf(line.consultationFor);
      if (original) {
        await this.engineOf(line).hangup(line.info.id);
        this.focusedId = original.info.id;
        this.update({});
        if (original.hold === 'held') await this.engineOf(original).resume(original.info.id);
        return;
      }
      if (line.phase !== 'in-call') return;
      if (line.hold === 'none') await this.engineOf(line).hold(line.info.id);
      else if (line.hold === 'held') await this.engineOf(line).resume(line.info.id);
    });
  }

  /** 転送: with the focused call held, calls the transfer target (the consultation). */
  startTransfer(target: string): Promise<void> {
    return this.act(async () => {
      const held = this.focused();
      if (!held || held.phase !== 'in-call' || held.hold !== 'held') return;
      // On the held call's own account: the attended transfer joins two calls of one registration.
      const id = await this.engineOf(held).dial(target);
      this.patchLine(id, { consultationFor: held.info.id });
    });
  }

  /** 転送実行: joins the held caller to the answered consultation; both calls leave us. */
  completeTransfer(): Promise<void> {
    return this.act(async () => {
      const consultation = this.focused();
      const held = consultation?.consultationFor ? this.lineOf(consultation.consultationFor) : undefined;
      if (!consultation || !held || consultation.phase !== 'in-call') return;
      await this.engineOf(held).attendedTransfer(held.info.id, consultation.info.id);
    });
  }

  /** ブラインド転送: hands the focused call to `target` without talking to them first. */
  blindTransfer(target: string): Promise<void> {
    return this.act(async () => {
      const line = this.focused();
      if (line?.phase === 'in-call') await this.engineOf(line).blindTransfer(line.info.id, target);
    });
  }

  /** A line key: go to that call; the call the user was on is held first. */
  switchTo(callId: string): Promise<void> {
    if (this.lineOf(callId)?.phase === 'ringing') return this.answer(callId);
    return this.act(async () => {
      const line = this.lineOf(callId);
      if (!line || (line.info.id === this.focusedId && line.hold === 'none')) return;
      await this.holdActive(line.info.id);
      this.focusedId = line.info.id;
      this.update({});
      if (line.phase === 'in-call' && line.hold === 'held') await this.engineOf(line).resume(line.info.id);
    });
  }

  /** Keypad during a call: DTMF to the far end (an IVR, a voicemail menu). */
  sendDtmf(tone: string): void {
    const line = this.focused();
    if (line?.phase !== 'in-call' || line.hold !== 'none') return;
    void this.act(async () => {
      await this.engineOf(line).sendDtmf(line.info.id, tone);
    });
  }

  /** The OS woke up or was unlocked: make sure we are still reachable, now. */
  checkConnection(): void {
    for (const account of this.accounts) account.engine.checkConnection();
  }

  setDoNotDisturb(on: boolean): void {
    this.doNotDisturb = on;
  }

  toggleMute(): void {
    const line = this.focused();
    if (line?.phase !== 'in-call') return;
    this.patchLine(line.info.id, { muted: this.engineOf(line).setMuted(line.info.id, !line.muted) });
  }

  /** A command from main (notification action, global shortcut). */
  handleCommand({ command, callId }: CallCommand): void {
    // A click on an old notification must not act on a newer call.
    if (callId !== null && !this.lineOf(callId)) return;
    const ringing = (callId !== null ? this.lineOf(callId) : undefined) ?? this.lines.find((l) => l.phase === 'ringing');
    switch (command) {
      case 'answer':
        if (ringing?.phase === 'ringing') void this.answer(ringing.info.id);
        break;
      case 'reject':
        if (ringing?.phase === 'ringing') void this.reject(ringing.info.id);
        break;
      case 'hangup': {
        // One key for "hang up / decline", as on a headset button.
        if (ringing?.phase === 'ringing') {
          void this.reject(ringing.info.id);
          break;
        }
        const line = this.focused();
        if (line?.phase === 'calling' || line?.phase === 'in-call') void this.hangup(line.info.id);
        break;
      }
      case 'toggle-mute':
        this.toggleMute();
        break;
      case 'focus-dialer':
        this.update({ focusDialerRequests: this.view.focusDialerRequests + 1 });
        break;
    }
  }

  /** A new call on the chosen line, after holding the call the user is on; returns its id. */
  private async placeCall(target: string): Promise<string> {
    const account = this.dialAccount();
    if (!account) throw new Error('no account to call from');
    await this.holdActive();
    return account.engine.dial(target, this.lineOptions());
  }

  /** Holds the call the user is talking on (if any, and not `except`), and waits for it. */
  private async holdActive(except?: string): Promise<void> {
    const active = this.lines.find((line) => line.info.id !== except && line.phase === 'in-call' && line.hold === 'none');
    if (!active) return;
    await this.engineOf(active).hold(active.info.id);
  }

  private focused(): LineView | undefined {
    return this.focusedId === null ? undefined : this.lineOf(this.focusedId);
  }

  private lineOf(callId: string | undefined): LineView | undefined {
    return callId === undefined ? undefined : this.lines.find((line) => line.info.id === callId);
  }

  private patchLine(callId: string, patch: Partial<LineView>): void {
    if (!this.lineOf(callId)) return;
    this.lines = this.lines.map((line) => (line.info.id === callId ? { ...line, ...patch } : line));
    this.update({});
  }

  private async act(action: () => Promise<void>): Promise<void> {
    this.update({ actionError: null });
    try {
      await action();
    } catch (error) {
      this.update({ actionError: actionErrorKey(error) });
    }
  }

  private record(write: () => Promise<unknown>): void {
    this.historyQueue = this.historyQueue.then(write).catch(() => {
      // A failed history write must not break the call; main logs its own side.
    });
  }

  private update(patch: Partial<PhoneView>): void {
    this.focusedId = pickFocus(this.lines, this.focusedId);
    const focused = this.focused();
    const waiting = this.lines.find((line) => line.phase === 'ringing' && line.info.id !== this.focusedId) ?? null;
    this.view = {
      ...this.view,
      ...patch,
      registration: this.accounts[0]?.registration ?? patch.registration ?? this.view.registration,
      accounts: this.accounts.map(({ id, label, aor, user, registration }) => ({ id, label, aor, user, registration })),
      lines: this.lines,
      focusedId: this.focusedId,
      phase: focused?.phase ?? 'idle',
      call: focused?.info ?? null,
      hold: focused?.hold ?? 'none',
      remoteStream: focused?.remoteStream ?? null,
      muted: focused?.muted ?? false,
      contact: focused?.contact ?? null,
      pickedUpFrom: focused?.pickedUpFrom ?? null,
      waiting,
    };
    this.view.dialAccountId = this.dialAccount()?.id ?? null;
    for (const listener of this.listeners) listener();
    this.reportStatus();
  }

  /** Tells main what the tray and notifications should show; only when it changed. */
  private reportStatus(): void {
    // A ringing call is what the OS must hear about (its notification has 応答 / 拒否), even
    // while the user is on another call; otherwise the focused call.
    const shown = this.lines.find((line) => line.phase === 'ringing' && line.info.direction === 'incoming') ?? this.focused();
    const phase = shown?.phase ?? 'idle';
    const status: PhoneStatus = {
      accounts: this.accounts.map((a) => ({
        id: a.id,
        account: a.aor,
        label: a.label,
        registration: a.registration.kind,
        failure: a.registration.kind === 'failed' ? a.registration.reason : null,
      })),
      phase,
      call:
        shown && phase !== 'idle'
          ? {
              callId: shown.info.id,
              direction: shown.info.direction,
              remoteNumber: shown.info.remoteNumber,
              remoteName: shown.info.remoteName,
              calledLine: this.accounts.find((a) => a.id === shown.accountId)?.aor ?? null,
            }
          : null,
    };
    const key = JSON.stringify(status);
    if (key === this.lastReported) return;
    this.lastReported = key;
    void this.bridge.phone.reportStatus(status);
  }
}

/** The user part of a SIP URI from the network (text only), or null. */
function userPart(uri: string | null): string | null {
  const user = uri === null ? undefined : /^sips?:([^@;?]+)@/i.exec(uri)?.[1];
  return user === undefined ? null : decodeURIComponent(user).slice(0, 64);
}

/** The i18n key for an error a call verb threw. */
function actionErrorKey(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'NotFoundError') return 'call.microphoneDenied';
  if (error instanceof PhoneEngineError) {
    if (error.code === 'hold-refused') return 'call.holdFailed';
    if (error.code === 'transfer-failed') return 'call.transferFailed';
    if (error.code === 'busy') return 'call.allLinesBusy';
  }
  return 'errors.generic';
}
