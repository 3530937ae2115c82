import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistoryEntry } from '../../src-preload/contract';
import type { TsunaguApi } from '../../src-preload/api';

/** The four marks users know: 発信 / 着信 / 不在 / 拒否. */
export function historyType(entry: HistoryEntry): 'outgoing' | 'incoming' | 'missed' | 'rejected' {
  if (entry.direction === 'outgoing') return 'outgoing';
  if (entry.outcome === 'missed') return 'missed';
  if (entry.outcome === 'rejected') return 'rejected';
  return 'incoming';
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export function HistoryPanel({ bridge, version }: { bridge: TsunaguApi; version: number }) {
  const { t, i18n } = useTranslation();
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);

  useEffect(() => {
    let live = true;
    void bridge.history.list({ limit: 100 }).then((result) => {
      if (live && result.ok) setEntries(result.value);
    });
    return () => {
      live = false;
    };
  }, [bridge, version]);

  if (entries === null) return null;
  if (entries.length === 0) return <p className="empty" data-testid="history-empty">{t('history.empty')}</p>;

  const time = new Intl.DateTimeFormat(i18n.language, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return (
    <ul className="history" data-testid="history-list">
      {entries.map((entry) => {
        const type = historyType(entry);
        let detail: string;
        if (entry.outcome === null) detail = t('history.inProgress');
        // A call cut off by a crash says so: its talk time is unknown, not zero.
        else if (entry.outcome === 'interrupted') detail = t('history.interrupted');
        else if (entry.durationSec !== null) detail = t('history.duration', { duration: formatDuration(entry.durationSec) });
        else if (entry.outcome === 'failed') detail = t('history.failed');
        else detail = t('history.cancelled');
        return (
          <li key={entry.id} className={`history-row history-${type}`} data-testid="history-row" data-type={type} data-outcome={entry.outcome ?? ''}>
            <span className="history-mark">{t(`history.type.${type}`)}</span>
            <span className="history-party">
              <span className="history-number">{entry.remoteNumber}</span>
              {entry.remoteName && <span className="history-name">{entry.remoteName}</span>}
            </span>
            <span className="history-detail">{detail}</span>
            <time className="history-time" dateTime={new Date(entry.startedAt).toISOString()}>
              {time.format(entry.startedAt)}
            </time>
          </li>
        );
      })}
    </ul>
  );
}
