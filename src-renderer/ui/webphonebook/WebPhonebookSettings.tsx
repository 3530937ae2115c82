import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SettingsView, WebConnectionResult, WebPhonebookSettings as Settings, WebSyncState } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';
import { webErrorText } from './web-error-text';

const TEXT_FIELDS = [
  { key: 'loginId', placeholder: '' },
  { key: 'server', placeholder: 'phonebook.example.jp/dav' },
  { key: 'webPageUrl', placeholder: 'https://phonebook.example.jp/' },
  { key: 'uploadUrl', placeholder: 'https://phonebook.example.jp/api/calls' },
] as const;

/**
 * Web電話帳設定: the company CardDAV server. 接続 tests what is typed (not yet saved) and answers
 * 認証に成功しました or the precise reason; the address books it finds can be chosen. Below, the
 * sync state: progress while a sync runs, the last result, 今すぐ同期.
 */
export function WebPhonebookSettings(props: { bridge: TsunaguApi; settings: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { bridge } = props;
  const { t, i18n } = useTranslation();
  const [form, setForm] = useState<Settings>(props.settings.webPhonebook);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [test, setTest] = useState<WebConnectionResult | 'testing' | null>(null);
  const [books, setBooks] = useState<{ url: string; displayName: string }[]>([]);
  const [state, setState] = useState<WebSyncState | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void bridge.webPhonebook.state().then((result) => {
      if (live && result.ok) setState(result.value);
    });
    const off = bridge.onWebPhonebookState(setState);
    return () => {
      live = false;
      off();
    };
  }, [bridge]);

  const input = () => (password ? { settings: form, password } : { settings: form });
  const issuesOf = (issues: { path: string; message: string }[] | undefined) => {
    const found: Record<string, string> = {};
    for (const issue of issues ?? []) found[issue.path.replace(/^settings\./, '')] ??= issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
    return found;
  };

  const runTest = async () => {
    setTest('testing');
    setMessage(null);
    const result = await bridge.webPhonebook.test(input());
    if (!result.ok) {
      setErrors(issuesOf(result.error.issues));
      setTest(null);
      return;
    }
    setErrors({});
    setTest(result.value);
    if (result.value.ok) setBooks(result.value.addressBooks);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const result = await bridge.webPhonebook.save(input());
    if (!result.ok) {
      setErrors(issuesOf(result.error.issues));
      if (result.error.code !== 'invalid-payload') setMessage(t(`errors.${result.error.code === 'secret-storage-unavailable' ? 'secret-storage-unavailable' : 'generic'}`));
      return;
    }
    setErrors({});
    setPassword('');
    setMessage(t('web.saved'));
    props.onSaved(result.value);
  };

  const chooseCert = async () => {
    const result = await bridge.webPhonebook.chooseCaCertificate();
    if (!result.ok) {
      setErrors({ ...errors, caCertPem: `errors.${result.error.code}` });
      return;
    }
    if (result.value) setForm({ ...form, caCertPem: result.value.pem, caCertSubject: result.value.subject });
  };

  const toggleBook = (url: string, on: boolean) => {
    const all = books.map((b) => b.url);
    const current = form.addressBooks.length ? form.addressBooks : all;
    const next = on ? [...new Set([...current, url])] : current.filter((u) => u !== url);
    // Every book chosen is stored as "all": a book added on the server later is synced too.
    setForm({ ...form, addressBooks: next.length === all.length ? [] : next });
  };

  const time = (at: number) => new Date(at).toLocaleString(i18n.language === 'ja' ? 'ja-JP' : 'en-GB');

  return (
    <section data-testid="web-settings">
      <h2>{t('web.title')}</h2>
      <form onSubmit={(e) => void save(e)} noValidate>
        <label className="check">
          <input type="checkbox" data-testid="web-enabled" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />
          <span>{t('web.enabled')}</span>
        </label>
        {TEXT_FIELDS.map(({ key, placeholder }) => (
          <label key={key} className="field">
            <span>{t(`web.${key}`)}</span>
            <input
              data-testid={`web-${key}`}
              value={form[key]}
              placeholder={placeholder}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={errors[key] ? true : undefined}
              onChange={(e) => setForm({ ...form, [key]: e.target.value })}
            />
            {errors[key] && <span className="field-error" data-testid={`web-error-${key}`}>{t(errors[key])}</span>}
          </label>
        ))}
        <label className="field">
          <span>
            {t('web.password')} {props.settings.hasWebPhonebookPassword && <small>{t('web.passwordKeep')}</small>}
          </span>
          <input data-testid="web-password" type="password" value={password} autoComplete="new-password" onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" data-testid="web-ssl" checked={form.ssl} onChange={(e) => setForm({ ...form, ssl: e.target.checked })} />
          <span>{t('web.ssl')}</span>
        </label>
        {errors.ssl && <span className="field-error" data-testid="web-error-ssl">{t(errors.ssl)}</span>}
        <div className="field">
          <span>{t('web.caCert')}</span>
          <span data-testid="web-ca-subject">{form.caCertPem ? form.caCertSubject : t('web.caCertNone')}</span>
          <button type="button" className="link" data-testid="web-ca-choose" onClick={() => void chooseCert()}>
            {t('web.caCertChoose')}
          </button>
          {form.caCertPem && (
            <button type="button" className="link" onClick={() => setForm({ ...form, caCertPem: '', caCertSubject: '' })}>
              {t('web.caCertClear')}
            </button>
          )}
          {errors.caCertPem && <span className="field-error" data-testid="web-error-caCertPem">{t(errors.caCertPem)}</span>}
        </div>
        <label className="field">
          <span>{t('web.syncIntervalMin')}</span>
          <input
            data-testid="web-syncIntervalMin"
            type="number"
            min={0}
            max={1440}
            value={form.syncIntervalMin}
            aria-invalid={errors.syncIntervalMin ? true : undefined}
            onChange={(e) => setForm({ ...form, syncIntervalMin: e.target.value === '' ? 0 : Number(e.target.value) })}
          />
          {errors.syncIntervalMin && <span className="field-error">{t(errors.syncIntervalMin)}</span>}
        </label>
        <div className="buttons">
          <button type="button" className="action small" data-testid="web-test" disabled={test === 'testing'} onClick={() => void runTest()}>
            {test === 'testing' ? t('web.testing') : t('web.test')}
          </button>
          <button type="submit" className="action save" data-testid="web-save">
            {t('web.save')}
          </button>
        </div>
        {test && test !== 'testing' && (
          <p className={test.ok ? 'notice ok' : 'error'} role="status" data-testid="web-test-result" data-ok={test.ok}>
            {test.ok ? `${t('web.ok')} ${t('web.found', { count: test.addressBooks.length })}` : webErrorText(t, test.error)}
          </p>
        )}
        {books.length > 1 && (
          <fieldset data-testid="web-books">
            <legend>{t('web.addressBooks')}</legend>
            {books.map((book) => (
              <label key={book.url} className="check">
                <input type="checkbox" checked={form.addressBooks.length === 0 || form.addressBooks.includes(book.url)} onChange={(e) => toggleBook(book.url, e.target.checked)} />
                <span>{book.displayName}</span>
              </label>
            ))}
          </fieldset>
        )}
        {message && (
          <p className="notice" role="status" data-testid="web-message">
            {message}
          </p>
        )}
      </form>
      {props.settings.webPhonebook.enabled && state && (
        <div className="web-sync" data-testid="web-sync" data-syncing={state.syncing}>
          <button type="button" className="action small" data-testid="web-sync-now" disabled={state.syncing} onClick={() => void bridge.webPhonebook.syncNow()}>
            {state.syncing ? t('web.syncing') : t('web.syncNow')}
          </button>
          {state.progress && (
            <p data-testid="web-sync-progress">
              {state.progress.phase === 'discover' ? t('web.discovering') : t('web.progress', { book: state.progress.addressBook ?? '', done: state.progress.done, total: state.progress.total })}
            </p>
          )}
          {state.last && (
            <p data-testid="web-sync-last" data-ok={state.last.ok} className={state.last.ok ? '' : 'error'}>
              {state.last.ok
                ? t('web.lastOk', { time: time(state.last.at), added: state.last.added, updated: state.last.updated, deleted: state.last.deleted })
                : t('web.lastFailed', { time: time(state.last.at), reason: state.last.error ? webErrorText(t, state.last.error) : '' })}
            </p>
          )}
          {state.last && state.last.skipped > 0 && <p>{t('web.skipped', { count: state.last.skipped })}</p>}
          <p data-testid="web-sync-cards">{t('web.cards', { count: state.cards })}</p>
          {state.uploadPending > 0 && <p data-testid="web-upload-pending">{t('web.uploadPending', { count: state.uploadPending })}</p>}
        </div>
      )}
    </section>
  );
}
