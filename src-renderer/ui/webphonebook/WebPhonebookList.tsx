import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { WebContactSummary, WebSyncState } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';
import { ContactRowBody } from '../phonebook/ContactRowBody';

const PAGE = 100;

/**
 * The web phonebook cache, read-only: the same kana- and number-aware search as the personal
 * phonebook (in main), a number button to call. Refreshed when a sync brings changes.
 */
export function WebPhonebookList(props: { bridge: TsunaguApi; onDial: (number: string, name: string) => void }) {
  const { bridge, onDial } = props;
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<WebContactSummary[]>([]);
  const [state, setState] = useState<WebSyncState | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    void bridge.webPhonebook.state().then((result) => {
      if (result.ok) setState(result.value);
    });
    return bridge.onWebPhonebookState((next) => {
      // Only a finished sync changes the rows; progress events would re-query for nothing.
      if (!next.syncing) setState(next);
    });
  }, [bridge]);

  useEffect(() => {
    const ticket = ++latest.current;
    void bridge.webPhonebook.search(query, PAGE).then((result) => {
      if (ticket === latest.current && result.ok) setRows(result.value);
    });
  }, [bridge, query, state?.last?.at, state?.cards]);

  return (
    <div className="web-phonebook" data-testid="web-phonebook">
      <div className="phonebook-bar">
        <input
          type="search"
          className="search"
          data-testid="web-search"
          placeholder={t('phonebook.search')}
          aria-label={t('phonebook.search')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <p className="hint">{state && state.cards === 0 && !state.last ? t('web.notSynced') : t('web.readOnly')}</p>
      {rows.length === 0 ? (
        <p className="empty" data-testid="web-empty">
          {t('phonebook.empty')}
        </p>
      ) : (
        <ul className="contacts" data-testid="web-contact-list">
          {rows.map((row) => (
            <li key={row.id} className="contact-row" data-testid="web-contact-row">
              <ContactRowBody contact={row} testIdPrefix="web-" onDial={onDial} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
