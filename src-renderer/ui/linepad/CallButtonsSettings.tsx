import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BlfKey, CallButtons, LineKey, OneTouchKey, ParkSlot, SettingsView } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';

type ListName = 'lines' | 'oneTouch' | 'blf';
const NEW_ROW: { lines: LineKey; oneTouch: OneTouchKey; blf: BlfKey } = {
  lines: { label: '', prefix: '', identity: '' },
  oneTouch: { label: '', number: '' },
  blf: { label: '', extension: '' },
};
const LIMITS: Record<ListName, number> = { lines: 8, oneTouch: 24, blf: 24 };
const COLUMNS: { [L in ListName]: (keyof (typeof NEW_ROW)[L])[] } = {
  lines: ['label', 'prefix', 'identity'],
  oneTouch: ['label', 'number'],
  blf: ['label', 'extension'],
};
const PARK_COLUMNS: (keyof ParkSlot)[] = ['label', 'parkCode', 'retrieveCode', 'watch'];

/**
 * ボタン設定: lines, one-touch keys, park slots, busy lamps, pickup and voicemail codes. Saved as a
 * whole through the bridge; main validates every code (digits, *, #, +) and the errors come back
 * by field, in the user's language.
 */
export function CallButtonsSettings(props: { bridge: TsunaguApi; settings: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { t } = useTranslation();
  const [buttons, setButtons] = useState<CallButtons>(props.settings.callButtons);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);

  const save = async () => {
    setSaved(false);
    const result = await props.bridge.settings.setCallButtons(buttons);
    if (!result.ok) {
      const next: Record<string, string> = {};
      for (const issue of result.error.issues ?? []) next[issue.path] ??= issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
      setErrors(next);
      return;
    }
    setErrors({});
    setSaved(true);
    props.onSaved(result.value);
  };

  const input = (path: string, value: string, onChange: (value: string) => void, label: string) => (
    <label className="cell" key={path}>
      <span className="sr-label">{label}</span>
      <input data-testid={`buttons-${path}`} value={value} placeholder={label} autoComplete="off" spellCheck={false} aria-invalid={errors[path] ? true : undefined} onChange={(e) => onChange(e.target.value)} />
      {errors[path] && <span className="field-error" data-testid={`buttons-error-${path}`}>{t(errors[path])}</span>}
    </label>
  );

  function list<L extends ListName>(name: L) {
    const rows = buttons[name] as (typeof NEW_ROW)[L][];
    const setRows = (next: (typeof NEW_ROW)[L][]) => setButtons({ ...buttons, [name]: next });
    return (
      <fieldset key={name} data-testid={`buttons-${name}`}>
        <legend>{t(`buttons.${name as ListName}`)}</legend>
        {rows.map((row, index) => (
          <div className="row" key={index}>
            {COLUMNS[name].map((column) =>
              input(`${name}.${index}.${String(column)}`, String(row[column]), (value) => setRows(rows.map((r, i) => (i === index ? { ...r, [column]: value } : r))), t(`buttons.field.${String(column)}`)),
            )}
            {name === 'lines' && props.settings.accounts.length > 1 && (
              // With several accounts, a line key can also choose the account it calls from.
              <label className="cell">
                <span className="sr-label">{t('buttons.field.account')}</span>
                <select
                  data-testid={`buttons-lines.${index}.account`}
                  value={(row as LineKey).account ?? ''}
                  onChange={(e) => setRows(rows.map((r, i) => (i === index ? { ...r, account: e.target.value } : r)))}
                >
                  <option value="">{t('buttons.field.accountChosen')}</option>
                  {props.settings.accounts.map((entry) => (
                    <option key={entry.id} value={entry.id}>
                      {entry.account.displayName || entry.account.user}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button type="button" className="link danger" data-testid={`buttons-${name}-remove`} onClick={() => setRows(rows.filter((_, i) => i !== index))}>
              {t('buttons.remove')}
            </button>
          </div>
        ))}
        <button type="button" className="link" data-testid={`buttons-${name}-add`} disabled={rows.length >= LIMITS[name]} onClick={() => setRows([...rows, { ...NEW_ROW[name] }])}>
          {t('buttons.add')}
        </button>
      </fieldset>
    );
  }

  return (
    <section data-testid="call-buttons-settings">
      <h2>{t('buttons.title')}</h2>
      {list('lines')}
      {list('oneTouch')}
      <fieldset data-testid="buttons-park">
        <legend>{t('buttons.park')}</legend>
        {buttons.park.map((slot, index) => (
          <div className="row" key={index}>
            <span className="slot">{index + 1}</span>
            {PARK_COLUMNS.map((column) =>
              input(`park.${index}.${column}`, slot[column], (value) => setButtons({ ...buttons, park: buttons.park.map((s, i) => (i === index ? { ...s, [column]: value } : s)) }), t(`buttons.field.${column}`)),
            )}
          </div>
        ))}
      </fieldset>
      {list('blf')}
      <fieldset>
        <legend>{t('buttons.pickupAndVoicemail')}</legend>
        <div className="row">
          {input('pickup.directedPrefix', buttons.pickup.directedPrefix, (v) => setButtons({ ...buttons, pickup: { ...buttons.pickup, directedPrefix: v } }), t('buttons.field.directedPrefix'))}
          {input('pickup.group', buttons.pickup.group, (v) => setButtons({ ...buttons, pickup: { ...buttons.pickup, group: v } }), t('buttons.field.group'))}
        </div>
        <div className="row">
          {input('voicemail.startPrefix', buttons.voicemail.startPrefix, (v) => setButtons({ ...buttons, voicemail: { ...buttons.voicemail, startPrefix: v } }), t('buttons.field.startPrefix'))}
          {input('voicemail.stop', buttons.voicemail.stop, (v) => setButtons({ ...buttons, voicemail: { ...buttons.voicemail, stop: v } }), t('buttons.field.stop'))}
          {input('voicemail.statusPrefix', buttons.voicemail.statusPrefix, (v) => setButtons({ ...buttons, voicemail: { ...buttons.voicemail, statusPrefix: v } }), t('buttons.field.statusPrefix'))}
        </div>
      </fieldset>
      <button type="button" className="action save" data-testid="buttons-save" onClick={() => void save()}>
        {t('settings.save')}
      </button>
      {saved && <p className="notice" role="status" data-testid="buttons-saved">{t('buttons.saved')}</p>}
    </section>
  );
}
