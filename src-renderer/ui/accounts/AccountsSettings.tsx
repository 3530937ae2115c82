import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AccountSettings, AccountView, BridgeError, ProvisioningEntry, SettingsView } from '../../../src-preload/contract';
import type { TsunaguApi } from '../../../src-preload/api';
import { ConfirmDialog } from '../ConfirmDialog';
import { ProvisioningImport } from './ProvisioningImport';

const EMPTY: AccountSettings = {
  user: '',
  authorizationUser: '',
  domain: '',
  wsServer: 'wss://',
  outboundProxy: '',
  displayName: '',
  serviceCode: '',
};

const FIELDS: { key: keyof AccountSettings; type?: string; placeholder?: string }[] = [
  { key: 'user' },
  { key: 'domain', placeholder: 'pbx.example.jp' },
  { key: 'wsServer', type: 'url', placeholder: 'wss://pbx.example.jp:7443/ws' },
  { key: 'displayName' },
  { key: 'authorizationUser' },
  { key: 'outboundProxy', placeholder: 'sip:proxy.example.jp;transport=ws' },
  { key: 'serviceCode' },
];

function fieldErrors(error: BridgeError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues ?? []) {
    const field = issue.path.replace(/^account\./, '');
    // Messages are i18n keys; anything else (a non-user field) gets the generic text.
    errors[field] ??= issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
  }
  return errors;
}

/** What the form edits: a stored account, or a new one (possibly filled from provisioning). */
interface Draft {
  id: string | null;
  enabled: boolean;
  account: AccountSettings;
  password: string;
  /** Filled from a tsunagu://provision link: saving asks first (a link is written by anyone). */
  fromLink: boolean;
  /** Fields provisioning guessed: shown highlighted so the user checks them. */
  derived: string[];
}

function draftOf(entry: AccountView | undefined): Draft {
  return entry
    ? { id: entry.id, enabled: entry.enabled, account: entry.account, password: '', fromLink: false, derived: [] }
    : { id: null, enabled: true, account: EMPTY, password: '', fromLink: false, derived: [] };
}

function accountTitle(entry: AccountView): string {
  const { displayName, user, domain } = entry.account;
  return displayName ? `${displayName} (${user}@${domain})` : `${user}@${domain}`;
}

/** A clicked tsunagu://provision link, waiting to be shown (seq changes with each click). */
export interface PendingProvision {
  entry: ProvisioningEntry;
  seq: number;
}

export interface AccountsSettingsProps {
  bridge: TsunaguApi;
  settings: SettingsView | null;
  inCall: boolean;
  onSaved: (view: SettingsView) => void;
  provision: PendingProvision | null;
}

/**
 * アカウント設定: every SIP account, each enabled on its own (several register at once; enabling
 * only one is CloudPhone Biz's "switch the active account"). Saving reloads the page, so it
 * comes back under a CSP naming exactly the enabled servers and registers afresh.
 */
export function AccountsSettings(props: AccountsSettingsProps) {
  const { bridge, settings, inCall } = props;
  const { t } = useTranslation();
  const accounts = settings?.accounts ?? [];
  const [draft, setDraft] = useState<Draft>(() => draftOf(accounts[0]));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirm, setConfirm] = useState<'save' | 'delete' | null>(null);
  const stored = accounts.find((entry) => entry.id === draft.id);

  const fill = (entry: ProvisioningEntry & { ok: true }, fromLink: boolean) => {
    setErrors({});
    setFormError(null);
    setDraft({ id: null, enabled: true, account: entry.account, password: entry.password ?? '', fromLink, derived: entry.derived });
  };

  // A clicked tsunagu://provision link: shown in the form as a new account, saved only when the
  // user confirms (see submit()). Adjusting state while rendering, keyed by the click's seq.
  const [provisionSeen, setProvisionSeen] = useState(0);
  if (props.provision && props.provision.seq !== provisionSeen) {
    setProvisionSeen(props.provision.seq);
    if (props.provision.entry.ok) fill(props.provision.entry, true);
  }

  const edit = (entry: AccountView | undefined) => {
    setErrors({});
    setFormError(null);
    setDraft(draftOf(entry));
  };

  const reloadAfter = (view: SettingsView) => {
    props.onSaved(view);
    // Reload so the page comes back under a CSP naming the enabled servers and registers afresh.
    window.location.reload();
  };

  const save = async () => {
    setSaving(true);
    setErrors({});
    setFormError(null);
    const result = await bridge.settings.saveAccount({
      ...(draft.id !== null ? { id: draft.id } : {}),
      enabled: draft.enabled,
      account: draft.account,
      ...(draft.password ? { password: draft.password } : {}),
    });
    setSaving(false);
    if (!result.ok) {
      setErrors(fieldErrors(result.error));
      if (result.error.code !== 'invalid-payload' || !result.error.issues?.length) {
        setFormError(`errors.${result.error.code === 'secret-storage-unavailable' ? 'secret-storage-unavailable' : 'generic'}`);
      }
      return;
    }
    reloadAfter(result.value);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.fromLink) setConfirm('save');
    else void save();
  };

  const remove = async () => {
    if (draft.id === null) return;
    const result = await bridge.settings.deleteAccount(draft.id);
    if (result.ok) reloadAfter(result.value);
    else setFormError('errors.generic');
  };

  const toggle = async (entry: AccountView, enabled: boolean) => {
    const result = await bridge.settings.saveAccount({ id: entry.id, enabled, account: entry.account });
    if (result.ok) reloadAfter(result.value);
  };

  const move = async (index: number, by: -1 | 1) => {
    const ids = accounts.map((entry) => entry.id);
    const other = index + by;
    if (other < 0 || other >= ids.length) return;
    [ids[index], ids[other]] = [ids[other]!, ids[index]!];
    const result = await bridge.settings.orderAccounts(ids);
    if (result.ok) reloadAfter(result.value);
  };

  const { account } = draft;
  return (
    <div className="accounts-settings">
      <h2>{t('settings.account')}</h2>
      {accounts.length > 0 && (
        <ul className="account-list" data-testid="account-list">
          {accounts.map((entry, index) => (
            <li key={entry.id} className={entry.id === draft.id ? 'account-row editing' : 'account-row'} data-testid="account-row" data-account-id={entry.id}>
              <label className="inline">
                <input type="checkbox" data-testid="account-row-enabled" checked={entry.enabled} disabled={inCall} onChange={(e) => void toggle(entry, e.target.checked)} />
                <span>{accountTitle(entry)}</span>
              </label>
              {index === 0 && entry.enabled && <small className="badge">{t('accounts.default')}</small>}
              <button type="button" className="link" data-testid="account-row-edit" onClick={() => edit(entry)}>
                {t('accounts.edit')}
              </button>
              <button type="button" className="icon" aria-label={t('accounts.up')} disabled={index === 0 || inCall} onClick={() => void move(index, -1)}>
                ▲
              </button>
              <button type="button" className="icon" aria-label={t('accounts.down')} disabled={index === accounts.length - 1 || inCall} onClick={() => void move(index, 1)}>
                ▼
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="account-actions">
        <button type="button" className="action secondary" data-testid="account-add" onClick={() => edit(undefined)} disabled={accounts.length >= 16}>
          {t('accounts.add')}
        </button>
        <ProvisioningImport bridge={bridge} onChoose={(entry) => fill(entry, false)} />
      </div>
      <form onSubmit={submit} noValidate data-testid="account-form" data-account-id={draft.id ?? 'new'}>
        <h3>{draft.id === null ? t('accounts.newAccount') : t('accounts.editAccount')}</h3>
        {draft.fromLink && (
          <p className="notice" role="alert" data-testid="provision-link-notice">
            {t('accounts.fromLink')}
          </p>
        )}
        {draft.derived.length > 0 && (
          <p className="notice" data-testid="provision-derived">
            {t('accounts.derived', { fields: draft.derived.map((f) => t(`settings.${f}`)).join('、') })}
          </p>
        )}
        <label className="field inline">
          <input type="checkbox" data-testid="account-enabled" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} />
          <span>{t('accounts.enabled')}</span>
        </label>
        {FIELDS.map(({ key, type, placeholder }) => (
          <label key={key} className={draft.derived.includes(key) ? 'field derived' : 'field'}>
            <span>{t(`settings.${key}`)}</span>
            <input
              name={key}
              data-testid={`account-${key}`}
              type={type ?? 'text'}
              value={account[key] ?? ''}
              placeholder={placeholder}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={errors[key] ? true : undefined}
              onChange={(e) => setDraft({ ...draft, account: { ...account, [key]: e.target.value } })}
            />
            {errors[key] && <span className="field-error" data-testid={`error-${key}`}>{t(errors[key])}</span>}
          </label>
        ))}
        <label className="field">
          <span>{t('settings.keepaliveSec')}</span>
          <input
            name="keepaliveSec"
            data-testid="account-keepaliveSec"
            type="number"
            min={0}
            max={3600}
            value={account.keepaliveSec ?? 30}
            aria-invalid={errors.keepaliveSec ? true : undefined}
            onChange={(e) => setDraft({ ...draft, account: { ...account, keepaliveSec: e.target.value === '' ? 0 : Number(e.target.value) } })}
          />
          {errors.keepaliveSec && <span className="field-error" data-testid="error-keepaliveSec">{t(errors.keepaliveSec)}</span>}
        </label>
        <label className="field">
          <span>{t('settings.dtmfMode')}</span>
          <select
            data-testid="account-dtmfMode"
            value={account.dtmfMode ?? 'rfc4733'}
            onChange={(e) => setDraft({ ...draft, account: { ...account, dtmfMode: e.target.value === 'info' ? 'info' : 'rfc4733' } })}
          >
            <option value="rfc4733">{t('settings.dtmfRfc4733')}</option>
            <option value="info">{t('settings.dtmfInfo')}</option>
          </select>
        </label>
        <label className="field">
          <span>
            {t('settings.password')} {stored?.hasPassword && <small>{t('settings.passwordKeep')}</small>}
          </span>
          <input name="password" data-testid="account-password" type="password" value={draft.password} autoComplete="new-password" onChange={(e) => setDraft({ ...draft, password: e.target.value })} />
        </label>
        {formError && (
          <p className="error" role="alert" data-testid="settings-error">
            {t(formError)}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="action save" data-testid="save-account" disabled={saving || inCall} title={inCall ? t('settings.busy') : ''}>
            {t('settings.save')}
          </button>
          {draft.id !== null && (
            <button type="button" className="action secondary" data-testid="account-delete" disabled={inCall} onClick={() => setConfirm('delete')}>
              {t('accounts.delete')}
            </button>
          )}
        </div>
      </form>
      {confirm === 'save' && (
        <ConfirmDialog
          message={t('accounts.confirmLink', { account: `${account.user}@${account.domain}`, server: account.wsServer })}
          onNo={() => setConfirm(null)}
          onYes={() => {
            setConfirm(null);
            void save();
          }}
        />
      )}
      {confirm === 'delete' && stored && (
        <ConfirmDialog
          message={t('accounts.confirmDelete', { account: accountTitle(stored) })}
          onNo={() => setConfirm(null)}
          onYes={() => {
            setConfirm(null);
            void remove();
          }}
        />
      )}
    </div>
  );
}
