import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ProvisioningEntry, ProvisioningParseResult } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';

type OkEntry = ProvisioningEntry & { ok: true };

/** The i18n text for a refused entry or source. */
function refusalText(t: TFunction, entry: { reason: string; field?: string | null; issue?: string | null }): string {
  const field = entry.field ? t(`settings.${entry.field}`) : '';
  const base = t(`accounts.refusal.${entry.reason}`, { field });
  return entry.issue ? `${base}（${t(entry.issue)}）` : base;
}

/**
 * 案内書から入力: fill the account form from the provider's sheet (pasted text) or a row of the
 * PBX portal's CSV export. Main parses; nothing is saved until the user saves the form.
 */
export function ProvisioningImport(props: { bridge: TsunaguApi; onChoose: (entry: OkEntry) => void }) {
  const { bridge, onChoose } = props;
  const { t } = useTranslation();
  const [pasting, setPasting] = useState(false);
  const [text, setText] = useState('');
  const [result, setResult] = useState<ProvisioningParseResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const show = (parsed: ProvisioningParseResult) => {
    const ok = parsed.entries.filter((entry): entry is OkEntry => entry.ok);
    if (parsed.refused === null && parsed.entries.length === 1 && ok.length === 1) {
      // One account, read cleanly: straight into the form.
      onChoose(ok[0]!);
      setResult(null);
      setPasting(false);
      setText('');
      return;
    }
    setResult(parsed);
  };

  const readPasted = async () => {
    setError(null);
    // A sheet has "label: value" lines; a CSV has a header row with separators.
    const format = /^[^\n]*[,\t][^\n]*\n/.test(text.replace(/^\uFEFF/, '')) && !/[:：]/.test(text.split('\n')[0] ?? '') ? 'csv' : 'sheet';
    const parsed = await bridge.settings.parseProvisioning(format, text);
    if (parsed.ok) show(parsed.value);
    else setError('errors.generic');
  };

  const chooseFile = async () => {
    setError(null);
    const parsed = await bridge.settings.chooseProvisioningFile();
    if (!parsed.ok) setError(parsed.error.code === 'file-too-large' ? 'errors.file-too-large' : 'errors.generic');
    else if (parsed.value) show(parsed.value);
  };

  return (
    <div className="provisioning">
      <button type="button" className="action secondary" data-testid="provision-paste" onClick={() => setPasting(!pasting)}>
        {t('accounts.fromSheet')}
      </button>
      <button type="button" className="action secondary" data-testid="provision-file" onClick={() => void chooseFile()}>
        {t('accounts.fromCsv')}
      </button>
      {pasting && (
        <div className="provision-paste">
          <textarea
            data-testid="provision-text"
            rows={8}
            value={text}
            spellCheck={false}
            placeholder={t('accounts.sheetPlaceholder')}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="button" className="action" data-testid="provision-read" disabled={text.trim() === ''} onClick={() => void readPasted()}>
            {t('accounts.read')}
          </button>
        </div>
      )}
      {error && (
        <p className="error" role="alert" data-testid="provision-error">
          {t(error)}
        </p>
      )}
      {result && (
        <div className="provision-result" data-testid="provision-result">
          {result.refused && (
            <p className="error" role="alert" data-testid="provision-refused">
              {refusalText(t, { reason: result.refused })}
            </p>
          )}
          {result.entries.length > 1 && <p>{t('accounts.chooseRow')}</p>}
          <ul>
            {result.entries.slice(0, 200).map((entry, index) => (
              <li key={index} data-testid="provision-entry" data-ok={entry.ok}>
                {entry.row !== null && <span className="row-number">{t('accounts.row', { row: entry.row })}</span>}
                {entry.ok ? (
                  <button type="button" className="link" data-testid="provision-choose" onClick={() => onChoose(entry)}>
                    {entry.account.displayName ? `${entry.account.displayName} ` : ''}
                    {entry.account.user}@{entry.account.domain}
                  </button>
                ) : (
                  <span className="error">{refusalText(t, entry)}</span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
