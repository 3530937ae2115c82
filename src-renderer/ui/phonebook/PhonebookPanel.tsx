import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Contact, ContactSummary } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';
import { ConfirmDialog } from '../ConfirmDialog';
import { WebPhonebookList } from '../webphonebook/WebPhonebookList';
import { ContactForm } from './ContactForm';
import { ContactRowBody } from './ContactRowBody';
import { ImportExport } from './ImportExport';

const PAGE = 100;

type Mode = { kind: 'list' } | { kind: 'edit'; contact: Contact | null };

/**
 * The personal phonebook: search-as-you-type (name, reading, number; kana- and format-aware in
 * main), favourites first and callable in one click, add / edit / delete with confirmation.
 * Without a query the list pages in with a keyset cursor as the user scrolls.
 */
export function PhonebookPanel(props: { bridge: TsunaguApi; onDial: (number: string, name: string) => void; web: { enabled: boolean; hasPage: boolean } }) {
  const { bridge, onDial, web } = props;
  const { t } = useTranslation();
  const [book, setBook] = useState<'personal' | 'web'>('personal');
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<ContactSummary[]>([]);
  const [more, setMore] = useState(false);
  const [mode, setMode] = useState<Mode>({ kind: 'list' });
  const [deleting, setDeleting] = useState<ContactSummary | null>(null);
  const [version, setVersion] = useState(0);
  const latest = useRef(0);

  // Each keystroke searches; only the newest answer is shown (earlier ones may arrive later).
  useEffect(() => {
    const ticket = ++latest.current;
    const request = query.trim() ? bridge.contacts.search(query, PAGE) : bridge.contacts.list({ limit: PAGE });
    void request.then((result) => {
      if (ticket !== latest.current || !result.ok) return;
      setRows(result.value);
      setMore(!query.trim() && result.value.length === PAGE);
    });
  }, [bridge, query, version]);

  const loadMore = useCallback(async () => {
    const last = rows.at(-1);
    if (!last) return;
    const result = await bridge.contacts.list({ limit: PAGE, after: { favourite: last.favourite, sortKey: last.sortKey, id: last.id } });
    if (!result.ok) return;
    setRows((current) => [...current, ...result.value]);
    setMore(result.value.length === PAGE);
  }, [bridge, rows]);

  if (mode.kind === 'edit') {
    return (
      <ContactForm
        contact={mode.contact}
        onCancel={() => setMode({ kind: 'list' })}
        onSave={async (input) => {
          const result = mode.contact ? await bridge.contacts.update(mode.contact.id, input) : await bridge.contacts.create(input);
          if (!result.ok) return result.error;
          setMode({ kind: 'list' });
          setVersion((v) => v + 1);
          return null;
        }}
      />
    );
  }

  const favourites = query.trim() ? [] : rows.filter((row) => row.favourite && row.numbers.length > 0);
  const shownBook = web.enabled ? book : 'personal';

  // Favourites stay usable with the web phonebook on (the NTT app disables them; we do not).
  const switcher = (web.enabled || web.hasPage) && (
    <div className="phonebook-switch" role="tablist">
      {web.enabled &&
        (['personal', 'web'] as const).map((name) => (
          <button key={name} type="button" role="tab" aria-selected={shownBook === name} className={shownBook === name ? 'tab active' : 'tab'} data-testid={`book-${name}`} onClick={() => setBook(name)}>
            {t(`web.tab.${name}`)}
          </button>
        ))}
      {web.hasPage && (
        <button type="button" className="link" data-testid="web-open-page" onClick={() => void bridge.webPhonebook.openPage()}>
          {t('web.openPage')}
        </button>
      )}
    </div>
  );

  if (shownBook === 'web') {
    return (
      <section className="phonebook">
        {switcher}
        <WebPhonebookList bridge={bridge} onDial={onDial} />
      </section>
    );
  }

  return (
    <section className="phonebook">
      {switcher}
      <div className="phonebook-bar">
        <input
          type="search"
          className="search"
          data-testid="phonebook-search"
          placeholder={t('phonebook.search')}
          aria-label={t('phonebook.search')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="button" className="action call small" data-testid="contact-add" onClick={() => setMode({ kind: 'edit', contact: null })}>
          {t('phonebook.add')}
        </button>
      </div>
      <ImportExport bridge={bridge} onImported={() => setVersion((v) => v + 1)} />
      {favourites.length > 0 && (
        <div className="favourites" aria-label={t('phonebook.favourites')} data-testid="favourites">
          {favourites.map((row) => (
            <button key={row.id} type="button" className="favourite" data-testid="favourite-call" onClick={() => onDial(row.numbers[0]!.number, row.name)}>
              ★ {row.name}
            </button>
          ))}
        </div>
      )}
      {rows.length === 0 ? (
        <p className="empty" data-testid="phonebook-empty">
          {t('phonebook.empty')}
        </p>
      ) : (
        <ul className="contacts" data-testid="contact-list">
          {rows.map((row) => (
            <li key={row.id} className="contact-row" data-testid="contact-row">
              <ContactRowBody contact={row} mark={row.favourite ? '★ ' : ''} onDial={onDial} />
              <div className="contact-actions">
                <button
                  type="button"
                  className="link"
                  data-testid="contact-edit"
                  onClick={() =>
                    void bridge.contacts.get(row.id).then((result) => {
                      if (result.ok) setMode({ kind: 'edit', contact: result.value });
                    })
                  }
                >
                  {t('phonebook.edit')}
                </button>
                <button type="button" className="link danger" data-testid="contact-delete" onClick={() => setDeleting(row)}>
                  {t('phonebook.delete')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {more && (
        <button type="button" className="link" data-testid="contacts-more" onClick={() => void loadMore()}>
          {t('phonebook.more')}
        </button>
      )}
      {deleting && (
        <ConfirmDialog
          message={t('phonebook.confirmDelete', { name: deleting.name })}
          onNo={() => setDeleting(null)}
          onYes={() => {
            const id = deleting.id;
            setDeleting(null);
            void bridge.contacts.delete(id).then(() => setVersion((v) => v + 1));
          }}
        />
      )}
    </section>
  );
}
