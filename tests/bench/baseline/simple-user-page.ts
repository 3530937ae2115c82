// The bench's baseline phone: the bare sip.js SimpleUser (the library's own demo class), in a
// page with just enough DOM for the bench to drive and observe it with the same selectors as the
// app (data-testid registration-lamp / call-status / dial-input / call-button / answer-button /
// hangup-button). Account from the query string. Bundled by tests/bench/sip-timing.ts.
//
// Settings kept at the demo's defaults, except ICE: no STUN server and the same 200 ms gathering
// cap as the app (sip.js' default public STUN server is unreachable on the lab's loopback and
// would hold every INVITE until its 5 s gathering timeout — a difference of configuration, not
// of the phone).
import { SimpleUser } from 'sip.js/lib/platform/web/simple-user/index.js';

const params = new URLSearchParams(location.search);
const server = params.get('server') ?? '';
const user = params.get('user') ?? '';
const domain = params.get('domain') ?? '';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, testId: string, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.dataset.testid = testId;
  node.textContent = text;
  document.body.append(node);
  return node;
}

const lamp = element('div', 'registration-lamp', 'offline');
lamp.dataset.state = 'off';
const status = element('div', 'call-status', 'idle');
status.dataset.phase = 'idle';
const dialInput = element('input', 'dial-input');
const callButton = element('button', 'call-button', 'Call');
const hangupButton = element('button', 'hangup-button', 'Hang up');
const remoteAudio = element('audio', 'remote-audio');
remoteAudio.autoplay = true;
let answerButton: HTMLButtonElement | null = null;

function setLamp(state: 'ok' | 'off'): void {
  lamp.dataset.state = state;
  lamp.textContent = state === 'ok' ? 'registered' : 'offline';
}

function setPhase(phase: 'idle' | 'calling' | 'ringing' | 'in-call'): void {
  status.dataset.phase = phase;
  status.textContent = phase;
  if (phase !== 'ringing') {
    answerButton?.remove();
    answerButton = null;
  }
}

const simpleUser = new SimpleUser(server, {
  aor: `sip:${user}@${domain}`,
  media: { constraints: { audio: true, video: false }, remote: { audio: remoteAudio } },
  userAgentOptions: {
    authorizationUsername: user,
    authorizationPassword: params.get('password') ?? '',
    logLevel: 'warn',
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] }, iceGatheringTimeout: 200 },
  },
  delegate: {
    onRegistered: () => setLamp('ok'),
    onUnregistered: () => setLamp('off'),
    onServerDisconnect: () => setLamp('off'),
    onCallReceived: () => {
      setPhase('ringing');
      answerButton = element('button', 'answer-button', 'Answer');
      answerButton.addEventListener('click', () => void simpleUser.answer().catch(() => undefined));
    },
    onCallAnswered: () => setPhase('in-call'),
    onCallHangup: () => setPhase('idle'),
  },
});

callButton.addEventListener('click', () => {
  setPhase('calling');
  void simpleUser.call(`sip:${dialInput.value}@${domain}`).catch(() => setPhase('idle'));
});
hangupButton.addEventListener('click', () => void simpleUser.hangup().catch(() => undefined));

void simpleUser
  .connect()
  .then(() => simpleUser.register())
  .catch((error: unknown) => console.error('baseline: could not connect/register', error));
