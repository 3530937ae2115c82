import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhoneController, PhoneView } from '../app/phone-controller';
import { isDialable, normalizeDialInput } from './keypad/dial-string';
import { Keypad } from './keypad/Keypad';
import { Ringer } from './ringer';

interface Props {
  controller: PhoneController;
  view: PhoneView;
  dialInput: string;
  setDialInput: (value: string) => void;
}

export function PhonePanel({ controller, view, dialInput, setDialInput }: Props) {
  const { t } = useTranslation();
  const audioRef = useRef<HTMLAudioElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const ringerRef = useRef<Ringer | null>(null);
  const { phase, call, registration } = view;
  const registered = registration.kind === 'registered';
  const canDial = phase === 'idle' && registered && isDialable(dialInput);

  useEffect(() => {
    if (view.focusDialerRequests > 0) inputRef.current?.focus();
  }, [view.focusDialerRequests]);

  // Remote audio plays through a plain <audio> element fed by the call's MediaStream.
  useEffect(() => {
    if (audioRef.current) audioRef.current.srcObject = view.remoteStream;
  }, [view.remoteStream]);

  useEffect(() => {
    ringerRef.current ??= new Ringer();
    if (phase === 'ringing') ringerRef.current.start();
    else ringerRef.current.stop();
  }, [phase]);
  useEffect(() => () => ringerRef.current?.dispose(), []);

  const dial = () => {
    if (canDial) void controller.dial(dialInput);
  };

  // Typing works wherever the focus is (a desk phone has no "focus"): digits, * # + go to the
  // number, Backspace deletes, Enter calls or answers. Keys aimed at another field are left alone.
  useEffect(() => {
    const onWindowKey = (event: globalThis.KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target === inputRef.current || target?.closest('input, select, textarea, [contenteditable="true"]')) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (phase === 'idle' && /^[0-9*#+]$/.test(event.key)) {
        event.preventDefault();
        setDialInput(normalizeDialInput(dialInput + event.key));
        inputRef.current?.focus();
      } else if (phase === 'idle' && event.key === 'Backspace') {
        event.preventDefault();
        setDialInput(dialInput.slice(0, -1));
      } else if (event.key === 'Enter' && (target === null || target === document.body)) {
        event.preventDefault();
        if (phase === 'ringing') void controller.answer();
        else if (canDial) void controller.dial(dialInput);
      }
    };
    window.addEventListener('keydown', onWindowKey);
    return () => window.removeEventListener('keydown', onWindowKey);
  }, [phase, dialInput, canDial, controller, setDialInput]);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (phase === 'ringing') void controller.answer();
      else dial();
    } else if (event.key === 'Escape') {
      setDialInput('');
    }
  };

  // A stored contact's name wins over the display name the caller sends about themselves.
  const remoteName = view.contact?.name ?? call?.remoteName ?? null;
  const remoteLabel = call ? remoteName || call.remoteNumber || t('call.unknownCaller') : null;

  return (
    <section className="phone" aria-label={t('tabs.phone')}>
      <div className={`call-status call-status-${phase}`} data-testid="call-status" data-phase={phase}>
        {t(`status.${phase}`)}
      </div>
      {call && phase !== 'idle' ? (
        <div className="remote" data-testid="remote-party">
          {/* Caller names are hostile input: React renders them as text, never as markup. */}
          {view.contact?.photo && <img className="remote-photo" data-testid="remote-photo" src={view.contact.photo} alt="" />}
          <div className="remote-name" data-testid="remote-name">{remoteLabel}</div>
          {remoteName && <div className="remote-number" data-testid="remote-number">{call.remoteNumber}</div>}
        </div>
      ) : (
        view.lastEnded && (
          <div className="last-call" data-testid="last-call" data-outcome={view.lastEnded.outcome}>
            {t(`call.ended.${view.lastEnded.outcome}`)}
          </div>
        )
      )}
      {view.actionError && (
        <div className="error" role="alert" data-testid="action-error">
          {t(view.actionError)}
        </div>
      )}
      <div className="dial-row">
        <input
          ref={inputRef}
          className="dial-input"
          data-testid="dial-input"
          aria-label={t('keypad.label')}
          placeholder={t('keypad.placeholder')}
          inputMode="tel"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          value={dialInput}
          disabled={phase !== 'idle'}
          onChange={(event) => setDialInput(normalizeDialInput(event.target.value))}
          onKeyDown={onKeyDown}
        />
        <button type="button" className="icon" data-testid="backspace" aria-label={t('keypad.backspace')} disabled={phase !== 'idle' || !dialInput} onClick={() => setDialInput(dialInput.slice(0, -1))}>
          ⌫
        </button>
        <button type="button" className="icon" data-testid="clear" aria-label={t('keypad.clear')} disabled={phase !== 'idle' || !dialInput} onClick={() => setDialInput('')}>
          ✕
        </button>
      </div>
      <Keypad
        disabled={phase !== 'idle'}
        onKey={(key) => {
          setDialInput(normalizeDialInput(dialInput + key));
          inputRef.current?.focus();
        }}
      />
      <div className="call-actions">
        {phase === 'idle' && (
          <button type="button" className="action call" data-testid="call-button" disabled={!canDial} onClick={dial} title={registered ? '' : t('call.notRegistered')}>
            {t('actions.call')}
          </button>
        )}
        {phase === 'ringing' && (
          <>
            <button type="button" className="action answer" data-testid="answer-button" onClick={() => void controller.answer()}>
              {t('actions.answer')}
            </button>
            <button type="button" className="action reject" data-testid="reject-button" onClick={() => void controller.reject()}>
              {t('actions.reject')}
            </button>
          </>
        )}
        {phase === 'in-call' && (
          <button
            type="button"
            className={view.muted ? 'action mute on' : 'action mute'}
            data-testid="mute-button"
            aria-pressed={view.muted}
            onClick={() => controller.toggleMute()}
          >
            {t(view.muted ? 'actions.unmute' : 'actions.mute')}
          </button>
        )}
        {(phase === 'calling' || phase === 'in-call') && (
          <button type="button" className="action hangup" data-testid="hangup-button" onClick={() => void controller.hangup()}>
            {t('actions.hangup')}
          </button>
        )}
      </div>
      <audio ref={audioRef} autoPlay data-testid="remote-audio" />
    </section>
  );
}
