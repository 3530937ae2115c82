import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { LineView, PhoneController, PhoneView } from '../app/phone-controller';
import { isDialable, normalizeDialInput } from './keypad/dial-string';
import { Keypad } from './keypad/Keypad';
import { LineAudio } from './LineAudio';
import { Ringer } from './ringer';
import { useAudioRoutingSnapshot } from './DeviceNotice';

interface Props {
  controller: PhoneController;
  view: PhoneView;
  dialInput: string;
  setDialInput: (value: string) => void;
  /** The line chosen on the line pad, shown while dialling (null: the default line). */
  selectedLine: string | null;
}

/** The account a call is on, as the user names it: label, and the extension if different. */
function accountName(view: PhoneView, accountId: string | undefined): string | null {
  const account = view.accounts.find((a) => a.id === accountId);
  if (!account) return null;
  return account.label === account.user ? account.user : `${account.label} (${account.user})`;
}

/** The status word users know for a line: 保留中 only once the far end accepted the hold. */
function statusKey(line: Pick<LineView, 'phase' | 'hold'> | null): string {
  if (!line) return 'status.idle';
  if (line.phase === 'in-call' && (line.hold === 'held' || line.hold === 'resuming')) return 'status.held';
  return `status.${line.phase}`;
}

function lineLabel(line: LineView, unknown: string): string {
  return line.contact?.name ?? line.info.remoteName ?? line.pickedUpFrom ?? (line.info.remoteNumber || unknown);
}

export function PhonePanel({ controller, view, dialInput, setDialInput, selectedLine }: Props) {
  const { t } = useTranslation();
  const inputRef = useRef<HTMLInputElement>(null);
  const ringerRef = useRef<Ringer | null>(null);
  // デバイス設定: the ring's tone, volume and own output device; the call audio's speaker.
  const audio = useAudioRoutingSnapshot();
  const ringtone = audio?.settings.ringtone ?? 'classic';
  const ringVolume = audio?.settings.ringVolume ?? 80;
  const ringerSink = audio?.effective.ringer ?? '';
  const speakerSink = audio?.effective.speaker ?? '';
  const { phase, call, registration, hold } = view;
  const focused = view.lines.find((line) => line.info.id === view.focusedId) ?? null;
  // The call button needs the account it would call from to be registered, not just any.
  const dialAccount = view.accounts.find((a) => a.id === view.dialAccountId);
  const registered = (dialAccount?.registration ?? registration).kind === 'registered';
  const several = view.accounts.length > 1;
  // The keypad dials when idle, types a transfer target (or a second number) while the call is
  // held, and sends DTMF while the user talks, as on a desk phone.
  const held = phase === 'in-call' && hold === 'held';
  const talking = phase === 'in-call' && hold === 'none';
  const typing = phase === 'idle' || held;
  const canDial = typing && registered && isDialable(dialInput);
  const anyRinging = view.lines.some((line) => line.phase === 'ringing');
  const consultation = focused?.consultationFor ? view.lines.find((line) => line.info.id === focused.consultationFor) : undefined;

  useEffect(() => {
    if (view.focusDialerRequests > 0) inputRef.current?.focus();
  }, [view.focusDialerRequests]);

  useEffect(() => {
    ringerRef.current ??= new Ringer();
    ringerRef.current.configure({ ringtone, volume: ringVolume, sinkId: ringerSink });
  }, [ringtone, ringVolume, ringerSink]);
  useEffect(() => {
    ringerRef.current ??= new Ringer();
    if (anyRinging) ringerRef.current.start();
    else ringerRef.current.stop();
  }, [anyRinging]);
  useEffect(() => () => ringerRef.current?.dispose(), []);

  const dial = () => {
    if (canDial) void controller.dial(dialInput);
  };
  const pressKey = (key: string) => {
    if (talking) {
      controller.sendDtmf(key);
      return;
    }
    setDialInput(normalizeDialInput(dialInput + key));
    inputRef.current?.focus();
  };

  // Typing works wherever the focus is (a desk phone has no "focus"): digits, * # + go to the
  // number (or out as DTMF during a call), Backspace deletes, Enter calls or answers. Keys aimed
  // at another field are left alone.
  useEffect(() => {
    const onWindowKey = (event: globalThis.KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target === inputRef.current || target?.closest('input, select, textarea, [contenteditable="true"]')) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (talking && /^[0-9*#]$/.test(event.key)) {
        event.preventDefault();
        controller.sendDtmf(event.key);
      } else if (typing && /^[0-9*#+]$/.test(event.key)) {
        event.preventDefault();
        setDialInput(normalizeDialInput(dialInput + event.key));
        inputRef.current?.focus();
      } else if (typing && event.key === 'Backspace') {
        event.preventDefault();
        setDialInput(dialInput.slice(0, -1));
      } else if (event.key === 'Enter' && (target === null || target === document.body)) {
        event.preventDefault();
        if (phase === 'ringing') void controller.answer();
        else if (canDial) dial();
      }
    };
    window.addEventListener('keydown', onWindowKey);
    return () => window.removeEventListener('keydown', onWindowKey);
  });

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
  // A picked-up call shows the caller it took over, not the pickup code that was dialled.
  const remoteNumber = view.pickedUpFrom ?? call?.remoteNumber ?? '';
  const remoteLabel = call ? remoteName || remoteNumber || t('call.unknownCaller') : null;

  return (
    <section className="phone" aria-label={t('tabs.phone')}>
      <div className={`call-status call-status-${held ? 'held' : phase}`} data-testid="call-status" data-phase={phase} data-hold={hold}>
        {t(statusKey(focused))}
      </div>
      {call && phase !== 'idle' ? (
        <div className="remote" data-testid="remote-party">
          {/* Caller names are hostile input: React renders them as text, never as markup. */}
          {view.contact?.photo && <img className="remote-photo" data-testid="remote-photo" src={view.contact.photo} alt="" />}
          <div className="remote-name" data-testid="remote-name">{remoteLabel}</div>
          {remoteName && <div className="remote-number" data-testid="remote-number">{remoteNumber}</div>}
          {/* With several lines, which one was called (着信先) or is calling decides how to answer. */}
          {several && focused && (
            <div className="called-line" data-testid="called-line" data-account-id={focused.accountId}>
              {t(focused.info.direction === 'incoming' ? 'call.calledLine' : 'call.callingLine', { line: accountName(view, focused.accountId) })}
            </div>
          )}
          {focused?.remoteHeld && <div className="notice" data-testid="remote-held">{t('call.remoteHeld')}</div>}
          {consultation && (
            <div className="notice" data-testid="consultation-note">
              {t('call.consultation', { name: lineLabel(consultation, t('call.unknownCaller')) })}
            </div>
          )}
        </div>
      ) : (
        view.lastEnded && (
          <div className="last-call" data-testid="last-call" data-outcome={view.lastEnded.outcome}>
            {/* A call the phone had to give up says why, not just that it ended. */}
            {view.lastEnded.reason === 'connection-lost' ? t('call.ended.connectionLost') : t(`call.ended.${view.lastEnded.outcome}`)}
          </div>
        )
      )}
      {view.waiting && (
        <div className="waiting-call" role="alert" data-testid="waiting-call" data-call-id={view.waiting.info.id}>
          <span className="waiting-title">{t('call.waiting')}</span>
          <span className="waiting-name" data-testid="waiting-name">{lineLabel(view.waiting, t('call.unknownCaller'))}</span>
          {view.waiting.info.remoteNumber && <span className="waiting-number">{view.waiting.info.remoteNumber}</span>}
          {accountName(view, view.waiting.accountId) && (
            <span className="waiting-line" data-testid="waiting-line">
              {t('call.calledLine', { line: accountName(view, view.waiting.accountId) })}
            </span>
          )}
          <button type="button" className="action answer" data-testid="waiting-answer" onClick={() => void controller.answer(view.waiting?.info.id)}>
            {t('actions.answer')}
          </button>
          <button type="button" className="action reject" data-testid="waiting-reject" onClick={() => void controller.reject(view.waiting?.info.id)}>
            {t('actions.reject')}
          </button>
        </div>
      )}
      {view.lines.length > 1 && (
        <ul className="lines" aria-label={t('call.lines')} data-testid="lines">
          {view.lines.map((line) => (
            <li key={line.info.id}>
              <button
                type="button"
                className={line.info.id === view.focusedId ? 'line-key focused' : 'line-key'}
                data-testid="line-key"
                data-call-id={line.info.id}
                data-phase={line.phase}
                data-hold={line.hold}
                aria-current={line.info.id === view.focusedId}
                onClick={() => void controller.switchTo(line.info.id)}
              >
                <span className="line-name">{lineLabel(line, t('call.unknownCaller'))}</span>
                <span className="line-status">{t(statusKey(line))}</span>
              </button>
              {line.info.id !== view.focusedId && <LineAudio stream={line.remoteStream} testId="line-audio" sinkId={speakerSink} />}
            </li>
          ))}
        </ul>
      )}
      {view.actionError && (
        <div className="error" role="alert" data-testid="action-error">
          {t(view.actionError)}
        </div>
      )}
      {selectedLine && typing && (
        <div className="selected-line" data-testid="selected-line">
          {t('linepad.selectedLine', { label: selectedLine })}
        </div>
      )}
      {several && typing && (
        <label className="dial-account">
          <span>{t('call.fromAccount')}</span>
          <select
            data-testid="dial-account"
            value={view.dialAccountId ?? ''}
            onChange={(event) => controller.selectAccount(event.target.value || null)}
          >
            {view.accounts.map((account) => (
              <option key={account.id} value={account.id}>
                {accountName(view, account.id)}
              </option>
            ))}
          </select>
        </label>
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
          disabled={!typing}
          onChange={(event) => setDialInput(normalizeDialInput(event.target.value))}
          onKeyDown={onKeyDown}
        />
        <button type="button" className="icon" data-testid="backspace" aria-label={t('keypad.backspace')} disabled={!typing || !dialInput} onClick={() => setDialInput(dialInput.slice(0, -1))}>
          ⌫
        </button>
        <button type="button" className="icon" data-testid="clear" aria-label={t('keypad.clear')} disabled={!typing || !dialInput} onClick={() => setDialInput('')}>
          ✕
        </button>
      </div>
      <Keypad disabled={!typing && !talking} onKey={pressKey} />
      <div className="call-actions">
        {typing && (
          <button type="button" className="action call" data-testid="call-button" disabled={!canDial} onClick={dial} title={registered ? '' : t('call.notRegistered')}>
            {t(held ? 'actions.newCall' : 'actions.call')}
          </button>
        )}
        {phase === 'ringing' && (
          <>
            <button type="button" className="action answer" data-testid="answer-button" onClick={() => void controller.answer(call?.id)}>
              {t('actions.answer')}
            </button>
            <button type="button" className="action reject" data-testid="reject-button" onClick={() => void controller.reject(call?.id)}>
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
        {(phase === 'in-call' || (phase === 'calling' && consultation)) && (
          <button
            type="button"
            className={hold === 'held' ? 'action hold on' : 'action hold'}
            data-testid="hold-button"
            // Lit only once the hold took effect; busy while the re-INVITE is out.
            aria-pressed={hold === 'held'}
            aria-busy={hold === 'holding' || hold === 'resuming'}
            disabled={hold === 'holding' || hold === 'resuming'}
            onClick={() => void controller.toggleHold()}
          >
            {t(hold === 'held' ? 'actions.resume' : 'actions.hold')}
          </button>
        )}
        {(phase === 'calling' || phase === 'in-call') && (
          <button type="button" className="action hangup" data-testid="hangup-button" onClick={() => void controller.hangup()}>
            {t('actions.hangup')}
          </button>
        )}
      </div>
      {(held || (consultation && phase === 'in-call')) && (
        <div className="call-actions transfer-actions">
          {held && (
            <>
              <button type="button" className="action transfer" data-testid="transfer-button" disabled={!canDial} onClick={() => void controller.startTransfer(dialInput).then(() => setDialInput(''))}>
                {t('actions.transfer')}
              </button>
              <button type="button" className="action transfer" data-testid="blind-transfer-button" disabled={!canDial} onClick={() => void controller.blindTransfer(dialInput).then(() => setDialInput(''))}>
                {t('actions.blindTransfer')}
              </button>
            </>
          )}
          {consultation && phase === 'in-call' && (
            <button type="button" className="action transfer" data-testid="transfer-complete-button" onClick={() => void controller.completeTransfer()}>
              {t('actions.transferComplete')}
            </button>
          )}
        </div>
      )}
      <LineAudio stream={view.remoteStream} testId="remote-audio" sinkId={speakerSink} />
    </section>
  );
}
