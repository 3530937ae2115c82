import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeError, Contact, ContactInput } from '../../../src-preload/contract';

const LABELS = ['work', 'mobile', 'extension', 'home', 'fax'] as const;

const EMPTY: ContactInput = {
  name: '',
  kana: '',
  company: '',
  department: '',
  numbers: [{ label: '会社', number: '' }],
  email: '',
  notes: '',
  favourite: false,
  photo: null,
};

/** Add or edit one contact. Validation is the contract's; errors come back per field. */
export function ContactForm(props: {
  contact: Contact | null;
  onSave: (input: ContactInput) => Promise<BridgeError | null>;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [form, setForm] = useState<ContactInput>(() => {
    if (!props.contact) return EMPTY;
    const { id: _id, updatedAt: _updatedAt, ...input } = props.contact;
    return input;
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const labelOptions = LABELS.map((key) => t(`phonebook.labels.${key}`));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { ...form, numbers: form.numbers.filter((n) => n.number.trim() !== '') };
    const error = await props.onSave(input);
    const next: Record<string, string> = {};
    for (const issue of error?.issues ?? []) {
      // An update's payload is { id, contact }: field paths come prefixed.
      const field = issue.path.replace(/^contact\./, '');
      next[field] ??= issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
    }
    setErrors(next);
  };

  const text = (key: 'name' | 'kana' | 'company' | 'department' | 'email', type = 'text') => (
    <label className="field" key={key}>
      <span>{t(`phonebook.${key}`)}</span>
      <input data-testid={`contact-${key}`} type={type} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} aria-invalid={errors[key] ? true : undefined} />
      {errors[key] && <span className="field-error">{t(errors[key])}</span>}
    </label>
  );

  return (
    <form className="contact-form" onSubmit={(e) => void submit(e)} noValidate data-testid="contact-form">
      {text('name')}
      {text('kana')}
      {text('company')}
      {text('department')}
      <fieldset className="numbers">
        <legend>{t('phonebook.numbers')}</legend>
        {form.numbers.map((entry, index) => (
          <div className="number-row" key={index}>
            <input
              list="number-labels"
              aria-label={t('phonebook.label')}
              className="number-label"
              data-testid={`contact-number-label-${index}`}
              value={entry.label}
              onChange={(e) => setForm({ ...form, numbers: form.numbers.map((n, i) => (i === index ? { ...n, label: e.target.value } : n)) })}
            />
            <input
              aria-label={t('phonebook.numbers')}
              inputMode="tel"
              data-testid={`contact-number-${index}`}
              value={entry.number}
              aria-invalid={errors[`numbers.${index}.number`] ? true : undefined}
              onChange={(e) => setForm({ ...form, numbers: form.numbers.map((n, i) => (i === index ? { ...n, number: e.target.value } : n)) })}
            />
            <button type="button" className="icon" aria-label={t('phonebook.removeNumber')} onClick={() => setForm({ ...form, numbers: form.numbers.filter((_, i) => i !== index) })}>
              ✕
            </button>
            {errors[`numbers.${index}.number`] && <span className="field-error">{t(errors[`numbers.${index}.number`]!)}</span>}
          </div>
        ))}
        <datalist id="number-labels">
          {labelOptions.map((label) => (
            <option key={label} value={label} />
          ))}
        </datalist>
        {form.numbers.length < 10 && (
          <button type="button" className="link" data-testid="contact-add-number" onClick={() => setForm({ ...form, numbers: [...form.numbers, { label: labelOptions[1]!, number: '' }] })}>
            ＋ {t('phonebook.addNumber')}
          </button>
        )}
      </fieldset>
      {text('email', 'email')}
      <label className="field">
        <span>{t('phonebook.notes')}</span>
        <textarea data-testid="contact-notes" value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} rows={3} />
      </label>
      <label className="check">
        <input type="checkbox" data-testid="contact-favourite" checked={form.favourite} onChange={(e) => setForm({ ...form, favourite: e.target.checked })} />
        <span>{t('phonebook.favourite')}</span>
      </label>
      <div className="dialog-actions">
        <button type="submit" className="action save" data-testid="contact-save">
          {t('phonebook.save')}
        </button>
        <button type="button" className="action secondary" onClick={props.onCancel}>
          {t('phonebook.cancel')}
        </button>
      </div>
    </form>
  );
}
