import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  AccountId,
  AccountSettings,
  AudioSettings,
  CtiSettings,
  DEFAULT_AUDIO,
  DEFAULT_CTI,
  MAX_ACCOUNTS,
  CallButtons,
  DEFAULT_CALL_BUTTONS,
  DEFAULT_DESKTOP_PREFERENCES,
  DEFAULT_WEB_PHONEBOOK,
  DesktopPreferences,
  WebPhonebookSettings,
  Language,
  type AccountInput,
  type SettingsView,
  type SipCredentials,
  type WebPhonebookInput,
} from '../../src-preload/contract';
import { ServiceError } from '../support/service-error';

/** The subset of Electron's `safeStorage` we use. Tests pass a stand-in from tests/support. */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** The subset of electron-store / conf we use: one whole-document read and write. */
export interface SettingsDocument {
  store: Record<string, unknown>;
}

const StoredAccount = z.object({ id: AccountId, enabled: z.boolean(), account: AccountSettings });

/** The id given to the one account of a settings file written before several were possible. */
const LEGACY_ACCOUNT_ID = 'account-1';

/**
 * Files from before several accounts (`account` + `secrets.sipPassword`) read as a list of one,
 * password included: an update must not make the user type their SIP password again.
 */
function upgradeLegacyAccount(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'accounts' in raw || !('account' in raw)) return raw;
  const { account, ...rest } = raw as Record<string, unknown>;
  const secrets = rest.secrets;
  let upgradedSecrets = secrets;
  if (typeof secrets === 'object' && secrets !== null && !Array.isArray(secrets) && 'sipPassword' in secrets) {
    const { sipPassword, ...others } = secrets as Record<string, unknown>;
    upgradedSecrets = account === null || account === undefined ? others : { ...others, sipPasswords: { [LEGACY_ACCOUNT_ID]: sipPassword } };
  }
  return {
    ...rest,
    accounts: account === null || account === undefined ? [] : [{ id: LEGACY_ACCOUNT_ID, enabled: true, account }],
    ...(upgradedSecrets === undefined ? {} : { secrets: upgradedSecrets }),
  };
}

/** What is on disk. Secrets are only ever the base64 of `safeStorage.encryptString`. */
export const StoredSettings = z.preprocess(
  upgradeLegacyAccount,
  z.object({
  accounts: z
    .array(StoredAccount)
    .max(MAX_ACCOUNTS)
    .refine((list) => new Set(list.map((a) => a.id)).size === list.length, 'duplicate account id')
    .default([]),
  language: Language.default('system'),
  secrets: z
    .object({
      /** By account id. */
      sipPasswords: z.record(AccountId, z.base64()).default({}),
      webPhonebookPassword: z.base64().optional(),
    })
    .default({ sipPasswords: {} }),
  desktop: DesktopPreferences.default(DEFAULT_DESKTOP_PREFERENCES),
  callButtons: CallButtons.default(DEFAULT_CALL_BUTTONS),
  webPhonebook: WebPhonebookSettings.default(DEFAULT_WEB_PHONEBOOK),
  cti: CtiSettings.default(DEFAULT_CTI),
  audio: AudioSettings.default(DEFAULT_AUDIO),
  /** Main-only state, never sent to the page. */
  window: z
    .object({
      bounds: z
        .object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(100), height: z.number().int().min(100) })
        .optional(),
    })
    .default({}),
  }),
);
export type WindowBounds = NonNullable<StoredSettings['window']['bounds']>;
export type StoredSettings = z.infer<typeof StoredSettings>;

export interface SettingsServiceDeps {
  document: SettingsDocument;
  cipher: SecretCipher;
  /** safeStorage backend name; 'basic_text' means secrets are only obfuscated. */
  secretBackend: string;
  systemLocale: string;
  /** The previous file could not be read and was set aside; told to the user once. */
  recoveredFromCorruptFile: boolean;
  /** Base name of the damaged history database kept aside at this start (told to the user). */
  databaseRecoveredFrom?: string | null;
  log: { warn(message: string): void };
}

export type SettingsService = ReturnType<typeof createSettingsService>;

/**
 * Settings with a typed in-memory copy. electron-store re-reads and parses its file on every
 * `get()`, so we read it once here and write the whole document back on change.
 */
export function createSettingsService(deps: SettingsServiceDeps) {
  const parsed = StoredSettings.safeParse(deps.document.store);
  // The opener (open-settings.ts) sets an invalid file aside before we get here; parsing again
  // keeps this service honest if it is given a document some other way.
  let current: StoredSettings = parsed.success ? parsed.data : StoredSettings.parse({});
  const listeners = new Set<(view: SettingsView) => void>();

  function persist(next: StoredSettings): SettingsView {
    deps.document.store = next;
    current = next;
    const view = toView();
    for (const listener of listeners) listener(view);
    return view;
  }

  function toView(): SettingsView {
    return {
      accounts: current.accounts.map((entry) => ({ ...entry, hasPassword: current.secrets.sipPasswords[entry.id] !== undefined })),
      language: current.language,
      systemLocale: deps.systemLocale,
      secretStorage: { backend: deps.secretBackend, weak: deps.secretBackend === 'basic_text' },
      recoveredFromCorruptFile: deps.recoveredFromCorruptFile,
      databaseRecoveredFrom: deps.databaseRecoveredFrom ?? null,
      desktop: current.desktop,
      callButtons: current.callButtons,
      webPhonebook: current.webPhonebook,
      hasWebPhonebookPassword: current.secrets.webPhonebookPassword !== undefined,
      cti: current.cti,
      audio: current.audio,
    };
  }

  function encrypt(password: string): string {
    if (!deps.cipher.isEncryptionAvailable()) {
      // Never fall back to storing the password in clear: refuse, and the UI says why.
      throw new ServiceError('secret-storage-unavailable', 'OS secret storage is not available');
    }
    return deps.cipher.encryptString(password).toString('base64');
  }

  return {
    view: toView,

    /** Adds an account (no id) or replaces one; its password is kept unless one is given. */
    saveAccount(input: AccountInput): SettingsView {
      const existing = input.id === undefined ? undefined : current.accounts.find((entry) => entry.id === input.id);
      if (input.id !== undefined && !existing) throw new ServiceError('not-found', 'no such account');
      if (!existing && current.accounts.length >= MAX_ACCOUNTS) throw new ServiceError('invalid-payload', `at most ${MAX_ACCOUNTS} accounts`);
      const id = existing?.id ?? randomUUID();
      const sipPasswords = { ...current.secrets.sipPasswords };
      if (input.password !== undefined) {
        if (input.password === '') delete sipPasswords[id];
        else sipPasswords[id] = encrypt(input.password);
      }
      const entry = { id, enabled: input.enabled ?? existing?.enabled ?? true, account: AccountSettings.parse(input.account) };
      const accounts = existing ? current.accounts.map((a) => (a.id === id ? entry : a)) : [...current.accounts, entry];
      return persist({ ...current, accounts, secrets: { ...current.secrets, sipPasswords } });
    },

    /** Removes an account and its password. */
    deleteAccount(id: string): SettingsView {
      if (!current.accounts.some((entry) => entry.id === id)) throw new ServiceError('not-found', 'no such account');
      const sipPasswords = { ...current.secrets.sipPasswords };
      delete sipPasswords[id];
      return persist({ ...current, accounts: current.accounts.filter((entry) => entry.id !== id), secrets: { ...current.secrets, sipPasswords } });
    },

    /** The user's order (the first enabled account is the default line): every id exactly once. */
    orderAccounts(ids: readonly string[]): SettingsView {
      const byId = new Map(current.accounts.map((entry) => [entry.id, entry]));
      if (ids.length !== byId.size || new Set(ids).size !== ids.length || ids.some((id) => !byId.has(id))) {
        throw new ServiceError('invalid-payload', 'the order must name every account once');
      }
      return persist({ ...current, accounts: ids.map((id) => byId.get(id)!) });
    },

    setCti(cti: CtiSettings): SettingsView {
      return persist({ ...current, cti });
    },

    setAudio(audio: AudioSettings): SettingsView {
      return persist({ ...current, audio });
    },

    setLanguage(language: Language): SettingsView {
      return persist({ ...current, language });
    },

    setDesktop(desktop: DesktopPreferences): SettingsView {
      return persist({ ...current, desktop });
    },

    setCallButtons(callButtons: CallButtons): SettingsView {
      return persist({ ...current, callButtons });
    },

    /** The web phonebook settings. A stored password is kept only while the server and login
     *  ID stay the same: it is never sent to a server it was not typed for. */
    saveWebPhonebook(input: WebPhonebookInput): SettingsView {
      const secrets = { ...current.secrets };
      const before = current.webPhonebook;
      const settings = WebPhonebookSettings.parse(input.settings);
      if (input.password !== undefined) {
        if (input.password === '') delete secrets.webPhonebookPassword;
        else secrets.webPhonebookPassword = encrypt(input.password);
      } else if (before.server !== settings.server || before.loginId !== settings.loginId || before.ssl !== settings.ssl) {
        delete secrets.webPhonebookPassword;
      }
      return persist({ ...current, webPhonebook: settings, secrets });
    },

    /** The web phonebook password for these settings: the typed one, else the stored one if it
     *  was saved for the same server and login ID; null when there is none. */
    webPhonebookPassword(input?: WebPhonebookInput): string | null {
      if (input?.password !== undefined) return input.password;
      const saved = current.webPhonebook;
      if (input && (input.settings.server !== saved.server || input.settings.loginId !== saved.loginId || input.settings.ssl !== saved.ssl)) return null;
      if (current.secrets.webPhonebookPassword === undefined) return null;
      try {
        return deps.cipher.decryptString(Buffer.from(current.secrets.webPhonebookPassword, 'base64'));
      } catch {
        deps.log.warn('stored web phonebook password could not be decrypted');
        return null;
      }
    },

    windowBounds(): WindowBounds | undefined {
      return current.window.bounds;
    },

    /** Saved without notifying the page: window geometry is main's business only. */
    setWindowBounds(bounds: WindowBounds): void {
      current = { ...current, window: { bounds } };
      deps.document.store = current;
    },

    /** Every enabled account with its decrypted password, for the SIP engines. */
    credentials(): SipCredentials[] {
      return current.accounts
        .filter((entry) => entry.enabled)
        .map((entry) => {
          let password = '';
          const stored = current.secrets.sipPasswords[entry.id];
          if (stored !== undefined) {
            try {
              password = deps.cipher.decryptString(Buffer.from(stored, 'base64'));
            } catch {
              // E.g. the OS keychain entry was reset. The registration will then fail with an
              // authentication error the user can act on; the secret itself is never logged.
              deps.log.warn('stored SIP password could not be decrypted');
            }
          }
          return { id: entry.id, account: entry.account, password };
        });
    },

    onChange(listener: (view: SettingsView) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
