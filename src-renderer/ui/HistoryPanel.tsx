import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistoryKind, HistoryRow, HistorySort } from '../../src-preload/contract';
import type { TsunaguApi } from '../../src-preload/api';
import { ConfirmDialog } from './ConfirmDialog';
import { VirtualList } from './VirtualList';

const PAGE = 100;
const ROW_HEIGHT = 58;
const KINDS: HistoryKind[] = ['outgoing', 'incoming', 'missed', 'rejected'];

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/**
 * 履歴: 発信 / 着信 / 不在 / 拒否 with their marks; filter by type, search by number or name,
 * sort by any column (click the header; again for the other direction), call back through the
 * confirmation, delete, export. Pages come from main with a keyset cursor and only the rows in
 * view are rendered, so a million calls scroll like ten.
 */
export function HistoryPanel(props: { bridge: TsunaguApi; version: number; onDial: (number: string, name: string) => void }) {
  const { bridge, version, onDial } = props;
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<HistoryKind | 'all'>('all');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<HistorySort>('time');
  const [direction, setDirection] = useState<'asc' | 'desc'>('desc');
  const [rows, setRows] = useState<HistoryRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<HistoryRow | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const ticket = useRef(0);
  const loading = useRef(false);

  const query = useCallback(
    (after?: string) => ({
      ...(kind === 'all' ? {} : { kinds: [kind] }),
      ...(search.trim() ? { search: search.trim() } : {}),
      sort,
      direction,
      limit: PAGE,
      ...(after ? { cursor: after } : {}),
    }),
    [kind, search, sort, direction],
  );

  // A new filter, sort or search (or a call that just ended) starts from the first page; only
  // the newest answer is shown.
  useEffect(() => {
    const mine = ++ticket.current;
    void bridge.history.query(query()).then((result) => {
      if (mine !== ticket.current || !result.ok) return;
      setRows(result.value.rows);
      setCursor(result.value.nextCursor);
    });
  }, [bridge, query, version, reload]);

  const loadMore = useCallback(() => {
    if (!cursor || loading.current) return;
    loading.current = true;
    const mine = ticket.current;
    void bridge.history.query(query(cursor)).then((result) => {
      loading.current = false;
      if (mine !== ticket.current || !result.ok) return;
      setRows((current) => [...current, ...result.value.rows]);
      setCursor(result.value.nextCursor);
    });
  }, [bridge, cursor, query]);

  const sortBy = (column: HistorySort) => {
    if (column === sort) setDirection(direction === 'asc' ? 'desc' : 'asc');
    else {
      setSort(column);
      setDirection(column === 'number' ? 'asc' : 'desc');
    }
  };

  const time = new Intl.DateTimeFormat(i18n.language, { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const header = (column: HistorySort) => (
    <button
      type="button"
      className="column"
      role="columnheader"
      data-testid={`sort-${column}`}
      aria-sort={sort === column ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'}
      onClick={() => sortBy(column)}
    >
      {t(`history.columns.${column}`)} {sort === column ? (direction === 'asc' ? '▲' : '▼') : ''}
    </button>
  );

  return (
    <section className="history-panel">
      <div className="history-bar">
        <div className="chips" role="radiogroup">
          {(['all', ...KINDS] as const).map((k) => (
            <button key={k} type="button" role="radio" aria-checked={kind === k} className={kind === k ? 'chip on' : 'chip'} data-testid={`filter-${k}`} onClick={() => setKind(k)}>
              {k === 'all' ? t('history.filter.all') : t(`history.type.${k}`)}
            </button>
          ))}
        </div>
        <input type="search" className="search" data-testid="history-search" placeholder={t('history.search')} aria-label={t('history.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
        <button
          type="button"
          className="link"
          data-testid="history-export"
          onClick={() =>
            void bridge.history.export({ ...(kind === 'all' ? {} : { kinds: [kind] }), ...(search.trim() ? { search: search.trim() } : {}), sort, direction }).then((result) => {
              if (result.ok && result.value.saved) setMessage(t('history.exported', { count: result.value.count }));
            })
          }
        >
          {t('history.export')}
        </button>
      </div>
      {message && <p className="notice" role="status">{message}</p>}
      <div className="history-header" role="row">
        {header('number')}
        {header('duration')}
        {header('time')}
      </div>
      {rows.length === 0 ? (
        <p className="empty" data-testid="history-empty">
          {t('history.empty')}
        </p>
      ) : (
        <VirtualList
          testId="history-list"
          items={rows}
          rowHeight={ROW_HEIGHT}
          height={420}
          onNearEnd={loadMore}
          renderRow={(entry) => {
            const name = entry.contactName ?? entry.remoteName;
            let detail: string;
            if (entry.outcome === null) detail = t('history.inProgress');
            // A call cut off by a crash says so: its talk time is unknown, not zero.
            else if (entry.outcome === 'interrupted') detail = t('history.interrupted');
            else if (entry.durationSec !== null) detail = t('history.duration', { duration: formatDuration(entry.durationSec) });
            else if (entry.outcome === 'failed') detail = t('history.failed');
            else detail = t('history.cancelled');
            return (
              <div className={`history-row history-${entry.kind}`} data-testid="history-row" data-type={entry.kind} data-outcome={entry.outcome ?? ''}>
                <span className="history-mark">{t(`history.type.${entry.kind}`)}</span>
                <span className="history-party">
                  <span className="history-number" data-testid="history-number">{entry.remoteNumber}</span>
                  {name && <span className="history-name" data-testid="history-name">{name}</span>}
                </span>
                <span className="history-detail">
                  {entry.direction === 'incoming' && entry.localAccount.split('@')[0]} {detail}
                </span>
                <time className="history-time" dateTime={new Date(entry.startedAt).toISOString()}>
                  {time.format(entry.startedAt)}
                </time>
                <span className="history-actions">
                  <button type="button" className="link" data-testid="history-call" onClick={() => onDial(entry.remoteNumber, name ?? entry.remoteNumber)}>
                    {t('history.callBack')}
                  </button>
                  <button type="button" className="link danger" data-testid="history-delete" onClick={() => setDeleting(entry)}>
                    {t('history.delete')}
                  </button>
                </span>
              </div>
            );
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          message={t('history.confirmDelete')}
          onNo={() => setDeleting(null)}
          onYes={() => {
            const id = deleting.id;
            setDeleting(null);
            void bridge.history.delete([id]).then(() => setReload((r) => r + 1));
          }}
        />
      )}
    </section>
  );
}
