import { z } from 'zod';
import {
  AccountSettings,
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

/** What is on disk. Secrets are only ever the base64 of `safeStorage.encryptString`. */
export const StoredSettings = z.object({
  account: AccountSettings.nullable().default(null),
  language: Language.default('system'),
  secrets: z
    .object({
      sipPassword: z.base64().optional(),
      webPhonebookPassword: z.base64().optional(),
    })
    .default({}),
  desktop: DesktopPreferences.default(DEFAULT_DESKTOP_PREFERENCES),
  callButtons: CallButtons.default(DEFAULT_CALL_BUTTONS),
  webPhonebook: WebPhonebookSettings.default(DEFAULT_WEB_PHONEBOOK),
  /** Main-only state, never sent to the page. */
  window: z
    .object({
      bounds: z
        .object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(100), height: z.number().int().min(100) })
        .optional(),
    })
    .default({}),
});
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
      account: current.account,
      hasPassword: current.secrets.sipPassword !== undefined,
      language: current.language,
      systemLocale: deps.systemLocale,
      secretStorage: { backend: deps.secretBackend, weak: deps.secretBackend === 'basic_text' },
      recoveredFromCorruptFile: deps.recoveredFromCorruptFile,
      databaseRecoveredFrom: deps.databaseRecoveredFrom ?? null,
      desktop: current.desktop,
      callButtons: current.callButtons,
      webPhonebook: current.webPhonebook,
      hasWebPhonebookPassword: current.secrets.webPhonebookPassword !== undefined,
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

    saveAccount(input: AccountInput): SettingsView {
      const secrets = { ...current.secrets };
      if (input.password !== undefined) {
        if (input.password === '') delete secrets.sipPassword;
        else secrets.sipPassword = encrypt(input.password);
      }
      return persist({ ...current, account: input.account, secrets });
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

    /** The account with its decrypted password, for the SIP engine; null until configured. */
    credentials(): SipCredentials | null {
      if (!current.account) return null;
      let password = '';
      if (current.secrets.sipPassword !== undefined) {
        try {
          password = deps.cipher.decryptString(Buffer.from(current.secrets.sipPassword, 'base64'));
        } catch {
          // E.g. the OS keychain entry was reset. The registration will then fail with an
          // authentication error the user can act on; the secret itself is never logged.
          deps.log.warn('stored SIP password could not be decrypted');
        }
      }
      return { account: current.account, password };
    },

    onChange(listener: (view: SettingsView) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
