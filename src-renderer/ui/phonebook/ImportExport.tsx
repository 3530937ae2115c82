import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportFormat, ImportPreviewView } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';

const FORMATS: ExportFormat[] = ['csv-utf8', 'csv-sjis', 'vcard-3', 'vcard-4'];

/** Import (with a preview and all-or-nothing apply) and export of the phonebook. */
export function ImportExport(props: { bridge: TsunaguApi; onImported: () => void }) {
  const { bridge } = props;
  const { t } = useTranslation();
  const [preview, setPreview] = useState<ImportPreviewView | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [format, setFormat] = useState<ExportFormat>('csv-utf8');

  const fail = (code: string) => setMessage({ text: t(`errors.${code}`, { defaultValue: t('errors.generic') }), error: true });

  const choose = async () => {
    setMessage(null);
    const result = await bridge.contacts.chooseImport();
    if (!result.ok) return fail(result.error.code);
    setPreview(result.value);
  };

  const apply = async () => {
    if (!preview) return;
    const result = await bridge.contacts.applyImport(preview.token);
    setPreview(null);
    if (!result.ok) return fail(result.error.code);
    setMessage({ text: t('phonebook.import.done', { count: result.value.added }), error: false });
    props.onImported();
  };

  const exportNow = async () => {
    setMessage(null);
    const result = await bridge.contacts.export(format);
    if (!result.ok) return fail(result.error.code);
    if (result.value.saved) setMessage({ text: t('phonebook.export.done', { count: result.value.count }), error: false });
  };

  return (
    <div className="import-export">
      <button type="button" className="link" data-testid="import-button" onClick={() => void choose()}>
        {t('phonebook.import.button')}
      </button>
      <select aria-label={t('phonebook.export.button')} data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
        {FORMATS.map((f) => (
          <option key={f} value={f}>
            {t(`phonebook.export.${f}`)}
          </option>
        ))}
      </select>
      <button type="button" className="link" data-testid="export-button" onClick={() => void exportNow()}>
        {t('phonebook.export.button')}
      </button>
      {message && (
        <p className={message.error ? 'error' : 'notice'} role={message.error ? 'alert' : 'status'} data-testid="transfer-message">
          {message.text}
        </p>
      )}
      {preview && (
        <div className="dialog-backdrop" role="presentation">
          <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-preview">
            <h2 id="import-title">{t('phonebook.import.title')}</h2>
            <p data-testid="import-summary">
              {t('phonebook.import.summary', { file: preview.fileName, accepted: preview.acceptedCount, total: preview.totalRows, encoding: preview.encoding === 'shift_jis' ? 'Shift_JIS' : 'UTF-8' })}
            </p>
            <ul className="import-sample">
              {preview.sample.map((c, i) => (
                <li key={i}>
                  {c.name} {c.kana && <small>{c.kana}</small>} {c.numbers.join(' / ')}
                </li>
              ))}
            </ul>
            {preview.rejectedCount > 0 && (
              <>
                <h3>{t('phonebook.import.rejectedTitle', { count: preview.rejectedCount })}</h3>
                <ul className="import-rejected" data-testid="import-rejected">
                  {preview.rejected.map((r, i) => (
                    <li key={i} data-testid="import-rejected-row">
                      {r.line > 0 && t('phonebook.import.line', { line: r.line })} {t(`phonebook.import.reason.${r.reason}`, { defaultValue: r.reason })}
                      {r.detail && <small> — {r.detail}</small>}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {preview.ignoredColumns.length > 0 && <p className="notice">{t('phonebook.import.ignored', { columns: preview.ignoredColumns.join('、') })}</p>}
            <div className="dialog-actions">
              <button type="button" className="action call" data-testid="import-apply" disabled={preview.acceptedCount === 0} onClick={() => void apply()}>
                {preview.acceptedCount > 0 ? t('phonebook.import.apply', { count: preview.acceptedCount }) : t('phonebook.import.nothing')}
              </button>
              <button type="button" className="action secondary" data-testid="import-cancel" onClick={() => setPreview(null)}>
                {t('phonebook.cancel')}
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
