// The controller with several accounts, on scripted engines: each call's verbs go to the engine
// of the account it is on, a new call on one line first holds the call the user talks on
// another (as a multi-line desk phone does), and history/status name the right local account.
import { describe, expect, it } from 'vitest';
import type { TsunaguApi } from '../../../src-preload/api';
import { DEFAULT_CALL_BUTTONS, type PhoneStatus, type SipCredentials } from '../../../src-preload/contract';
import { PhoneController } from '../../../src-renderer/app/phone-controller';
import type { MessageSummary } from '../../../src-renderer/phone/presence-parsers';
import type { CallEvent, CallInfo, PhoneEngine, RegistrationState } from '../../../src-renderer/phone/types';

class ScriptedEngine {
  readonly calls: string[] = [];
  readonly configs: string[] = [];
  private callListeners = new Set<(event: CallEvent) => void>();
  private registrationListeners = new Set<(state: RegistrationState) => void>();
  /** The mailbox watchers (message-summary) on this engine's account. */
  readonly mailboxWatchers: ((summary: MessageSummary) => void)[] = [];
  private seq = 0;
  constructor(readonly name: string) {}

  emit(event: CallEvent): void {
    for (const listener of this.callListeners) listener(event);
  }
  register(state: RegistrationState): void {
    for (const listener of this.registrationListeners) listener(state);
  }
  ring(number: string): CallInfo {
    const call: CallInfo = { id: `${this.name}-in-${++this.seq}`, direction: 'incoming', remoteNumber: number, remoteName: null, sipCallId: null };
    this.emit({ type: 'started', call });
    this.emit({ type: 'phase', call, phase: 'ringing' });
    return call;
  }

  readonly engine: PhoneEngine = {
    start: async (config) => void this.configs.push(`${config.user}@${config.domain}`),
    stop: async () => undefined,
    dial: async (target) => {
      this.calls.push(`dial ${target}`);
      const call: CallInfo = { id: `${this.name}-out-${++this.seq}`, direction: 'outgoing', remoteNumber: target, remoteName: null, sipCallId: null };
      this.emit({ type: 'started', call });
      this.emit({ type: 'phase', call, phase: 'calling' });
      return call.id;
    },
    answer: async (id) => {
      this.calls.push(`answer ${id}`);
      const call: CallInfo = { id, direction: 'incoming', remoteNumber: '', remoteName: null, sipCallId: null };
      this.emit({ type: 'phase', call, phase: 'in-call' });
    },
    reject: async (id) => void this.calls.push(`reject ${id}`),
    hangup: async (id) => void this.calls.push(`hangup ${id}`),
    hold: async (id) => {
      this.calls.push(`hold ${id}`);
      this.emit({ type: 'hold', call: { id, direction: 'outgoing', remoteNumber: '', remoteName: null, sipCallId: null }, hold: 'held', remoteHeld: false });
    },
    resume: async (id) => void this.calls.push(`resume ${id}`),
    sendDtmf: async () => 'rfc4733',
    blindTransfer: async (id, target) => void this.calls.push(`blind ${id} ${target}`),
    attendedTransfer: async () => undefined,
    setMuted: (id, muted) => {
      this.calls.push(`mute ${id} ${muted}`);
      return muted;
    },
    setMicrophone: async () => undefined,
    watchDialogs: () => () => undefined,
    watchMessageSummary: (listener) => {
      this.mailboxWatchers.push(listener);
      return () => undefined;
    },
    checkConnection: () => void this.calls.push('check'),
    registration: { kind: 'unregistered' },
    calls: [],
    onRegistration: (listener) => {
      this.registrationListeners.add(listener);
      return () => this.registrationListeners.delete(listener);
    },
    onCall: (listener) => {
      this.callListeners.add(listener);
      return () => this.callListeners.delete(listener);
    },
  };
}

const account = (user: string, displayName = '') => ({ user, authorizationUser: '', domain: 'pbx.example.jp', wsServer: 'wss://pbx.example.jp/ws', outboundProxy: '', displayName, serviceCode: '' });

function setup(credentials: SipCredentials[]) {
  const engines: ScriptedEngine[] = [];
  const started: unknown[] = [];
  const statuses: PhoneStatus[] = [];
  const ok = <T>(value: T) => Promise.resolve({ ok: true as const, value });
  const bridge = {
    phone: { getCredentials: () => ok(credentials), reportStatus: (status: PhoneStatus) => (statuses.push(status), ok(undefined)) },
    contacts: { identifyCaller: () => ok(undefined) },
    history: { callStarted: (call: unknown) => (started.push(call), ok(undefined)), callAnswered: () => ok(undefined), callEnded: () => ok(undefined) },
    onCallerIdentified: () => () => undefined,
  } as unknown as TsunaguApi;
  const controller = new PhoneController(() => {
    const engine = new ScriptedEngine(`e${engines.length + 1}`);
    engines.push(engine);
    return engine.engine;
  }, bridge);
  return { controller, engines, started, statuses };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('phone controller: several accounts', () => {
  it('one engine per enabled account; calls go out on the chosen account and each verb reaches its own engine', async () => {
    const { controller, engines, started, statuses } = setup([
      { id: 'a', account: account('1001'), password: 'x' },
      { id: 'b', account: account('2001', '営業'), password: 'y' },
    ]);
    await controller.start();
    expect(engines.map((e) => e.configs)).toEqual([['1001@pbx.example.jp'], ['2001@pbx.example.jp']]);
    const [a, b] = engines as [ScriptedEngine, ScriptedEngine];
    a.register({ kind: 'registered' });
    b.register({ kind: 'failed', reason: 'auth', detail: '403' });
    expect(controller.getSnapshot().accounts.map((x) => [x.label, x.registration.kind])).toEqual([
      ['1001', 'registered'],
      ['営業', 'failed'],
    ]);
    // The tray hears of each account on its own.
    expect(statuses.at(-1)?.accounts.map((x) => [x.account, x.registration, x.failure])).toEqual([
      ['1001@pbx.example.jp', 'registered', null],
      ['2001@pbx.example.jp', 'failed', 'auth'],
    ]);

    controller.selectAccount('b');
    expect(controller.getSnapshot().dialAccountId).toBe('b');
    await controller.dial('0312345678');
    expect(b.calls).toEqual(['dial 0312345678']);
    expect(a.calls).toEqual([]);
    await flush();
    expect(started.at(-1)).toMatchObject({ direction: 'outgoing', localAccount: '2001@pbx.example.jp' });
    await controller.hangup();
    expect(b.calls.at(-1)).toMatch(/^hangup e2-out-/);
    controller.selectAccount('gone');
    expect(controller.getSnapshot().dialAccountId).toBe('a');
  });

  it('answering a call on one line holds the call the user talks on the other line, through that line’s engine', async () => {
    const { controller, engines, statuses } = setup([
      { id: 'a', account: account('1001'), password: 'x' },
      { id: 'b', account: account('2001'), password: 'y' },
    ]);
    await controller.start();
    const [a, b] = engines as [ScriptedEngine, ScriptedEngine];
    const first = a.ring('0311112222');
    await controller.answer(first.id);
    expect(a.calls).toEqual([`answer ${first.id}`]);
    const second = b.ring('0333334444');
    // Ringing on line b while talking on line a: the status says which line was called.
    expect(statuses.at(-1)?.call).toMatchObject({ callId: second.id, calledLine: '2001@pbx.example.jp' });
    expect(controller.getSnapshot().waiting?.accountId).toBe('b');
    await controller.answer(second.id);
    expect(a.calls).toEqual([`answer ${first.id}`, `hold ${first.id}`]);
    expect(b.calls).toEqual([`answer ${second.id}`]);
    controller.toggleMute();
    expect(b.calls.at(-1)).toBe(`mute ${second.id} true`);
    controller.checkConnection();
    expect([a.calls.at(-1), b.calls.at(-1)]).toEqual(['check', 'check']);
  });

  it('each account has its own voicemail lamp, and the voicemail codes name the mailbox of the account they are dialled on', async () => {
    const { controller, engines } = setup([
      { id: 'a', account: account('1001'), password: 'x' },
      { id: 'b', account: account('2001'), password: 'y' },
    ]);
    controller.setButtons(DEFAULT_CALL_BUTTONS);
    await controller.start();
    const [a, b] = engines as [ScriptedEngine, ScriptedEngine];
    // One subscription per account, each on its own registration.
    expect([a.mailboxWatchers.length, b.mailboxWatchers.length]).toEqual([1, 1]);
    b.mailboxWatchers[0]!({ waiting: true, newMessages: 3, oldMessages: 0 });
    expect(controller.getSnapshot().voicemail).toEqual({ b: { waiting: true, newMessages: 3, oldMessages: 0 } });
    a.mailboxWatchers[0]!({ waiting: false, newMessages: 0, oldMessages: 2 });
    expect(controller.getSnapshot().voicemail.b?.newMessages).toBe(3);
    expect(controller.getSnapshot().voicemail.a?.waiting).toBe(false);

    // 留守電状態 on line b: *73 + b's extension, dialled from b (not the default account's box).
    controller.selectAccount('b');
    await controller.voicemailAction('status');
    expect(b.calls).toEqual(['dial *732001']);
    expect(a.calls).toEqual([]);
  });

  it('no enabled account: not configured, nothing started', async () => {
    const { controller, engines } = setup([]);
    await controller.start();
    expect(controller.getSnapshot().configured).toBe(false);
    expect(engines).toHaveLength(0);
  });
});
