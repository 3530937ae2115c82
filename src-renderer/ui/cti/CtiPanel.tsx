import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CtiButton, type CtiCallContext, type CtiSettings, type LastCallView } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';
import type { LineView, PhoneView } from '../../app/phone-controller';

/** How long an automatic 電話受付 page waits for the caller's name before opening without it. */
const NAME_WAIT_MS = 1500;

/** An extension (内線): digits only, no longer than the PBX's extension length. */
export function isInternalNumber(number: string, maxDigits: number): boolean {
  return /^\d+$/.test(number) && number.length <= maxDigits;
}

interface Shown {
  callId: string;
  number: string;
  name: string;
  accountId: string;
  direction: 'incoming' | 'outgoing';
}

function shownOf(line: LineView): Shown {
  return {
    callId: line.info.id,
    number: line.pickedUpFrom ?? line.info.remoteNumber,
    name: line.contact?.name ?? line.info.remoteName ?? '',
    accountId: line.accountId,
    direction: line.info.direction,
  };
}

/** The values a CTI URL is filled with: the call, and the account it is on. */
function contextOf(accounts: PhoneView['accounts'], s: Shown): CtiCallContext {
  const a = accounts.find((x) => x.id === s.accountId);
  return { callId: s.callId, number: s.number, name: s.name, called: a?.aor ?? '', line: a?.label ?? '', direction: s.direction };
}

/**
 * 顧客情報: the caller-information panel beside the phone (CTI pop-up). It opens when a call
 * rings and/or is answered (settings), shows number, name, called line and 前回通話 from our own
 * history, and its buttons open the company's pages with the call's values filled in. It stays
 * after the call ends — the user is still typing notes — until closed or the next call.
 */
export function CtiPanel(props: { bridge: TsunaguApi; view: PhoneView; cti: CtiSettings }) {
  const { bridge, view, cti } = props;
  const { t, i18n } = useTranslation();
  const [shown, setShown] = useState<Shown | null>(null);
  const [lastCall, setLastCall] = useState<{ callId: string; value: LastCallView | null } | null>(null);
  const opened = useRef(new Set<string>());
  const autoOpened = useRef(new Set<string>());
  const latestView = useRef(view);
  useEffect(() => {
    latestView.current = view;
  });

  const account = (id: string) => view.accounts.find((a) => a.id === id);

  useEffect(() => {
    if (!cti.enabled) return;
    const timers: number[] = [];
    for (const line of view.lines) {
      const id = line.info.id;
      if (line.info.direction !== 'incoming') continue;
      if (cti.skipInternal && isInternalNumber(line.info.remoteNumber, cti.internalMaxDigits)) continue;
      const due = (line.phase === 'ringing' && cti.showOnRing) || (line.phase === 'in-call' && cti.showOnAnswer);
      const key = `${id}:${line.phase === 'ringing' ? 'ring' : 'answer'}`;
      if (due && !opened.current.has(key)) {
        opened.current.add(key);
        setShown(shownOf(line));
      }
      if (line.phase === 'ringing' && cti.autoOpenReception && cti.urls.reception !== '' && !autoOpened.current.has(id)) {
        // Wait a moment for the caller's name (the phonebook lookup answers after the ring) so
        // the reception page can show it; open without it if it does not come.
        const fire = () => {
          if (autoOpened.current.has(id)) return;
          const now = latestView.current.lines.find((l) => l.info.id === id);
          if (!now) return;
          autoOpened.current.add(id);
          void bridge.cti.open('reception', contextOf(latestView.current.accounts, shownOf(now)));
        };
        if (line.contact !== null) fire();
        else timers.push(window.setTimeout(fire, NAME_WAIT_MS));
      }
    }
    return () => timers.forEach((timer) => window.clearTimeout(timer));
  }, [view.lines, cti, bridge]);

  // The name arrives after the ring (phonebook lookups): follow the live call while it exists.
  const live = shown ? view.lines.find((line) => line.info.id === shown.callId) : undefined;
  const current = live ? { ...shownOf(live), name: shownOf(live).name || shown!.name } : shown;

  useEffect(() => {
    if (!shown) return;
    let alive = true;
    void bridge.cti.lastCall(shown.number, shown.callId).then((result) => {
      if (alive) setLastCall({ callId: shown.callId, value: result.ok ? result.value : null });
    });
    return () => {
      alive = false;
    };
  }, [bridge, shown]);

  if (!cti.enabled || !current) return null;
  const called = account(current.accountId);
  const previous = lastCall?.callId === current.callId ? lastCall.value : undefined;
  const who = (aor: string) => {
    const mine = view.accounts.find((a) => a.aor === aor);
    return mine ? (mine.label === mine.user ? aor : `${mine.label} (${aor})`) : aor;
  };
  const buttons = CtiButton.options.filter((button) => cti.urls[button] !== '');

  return (
    <aside className="cti-panel" data-testid="cti-panel" data-call-id={current.callId} aria-label={t('cti.panelTitle')}>
      <header>
        <h2>{t('cti.panelTitle')}</h2>
        <button type="button" className="icon" data-testid="cti-close" aria-label={t('cti.close')} onClick={() => setShown(null)}>
          ✕
        </button>
      </header>
      <dl>
        <dt>{t('cti.number')}</dt>
        {/* Caller text is hostile input: React renders it as text only. */}
        <dd data-testid="cti-number">{current.number}</dd>
        <dt>{t('cti.name')}</dt>
        <dd data-testid="cti-name">{current.name || t('cti.unknown')}</dd>
        <dt>{t('cti.calledLine')}</dt>
        <dd data-testid="cti-called">{called ? who(called.aor) : ''}</dd>
        <dt>{t('cti.lastCall')}</dt>
        <dd data-testid="cti-last-call" data-loaded={previous !== undefined}>
          {previous === undefined
            ? '…'
            : previous === null
              ? t('cti.noLastCall')
              : t('cti.lastCallText', {
                  at: new Date(previous.startedAt).toLocaleString(i18n.language === 'ja' ? 'ja-JP' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }),
                  kind: t(`cti.kind.${previous.kind}`),
                  who: who(previous.localAccount),
                })}
        </dd>
      </dl>
      {buttons.length > 0 && (
        <div className="cti-buttons">
          {buttons.map((button) => (
            <button key={button} type="button" className="action secondary" data-testid={`cti-open-${button}`} onClick={() => void bridge.cti.open(button, contextOf(view.accounts, current))}>
              {t(`cti.urls.${button}`)}
            </button>
          ))}
        </div>
      )}
    </aside>
  );
}
