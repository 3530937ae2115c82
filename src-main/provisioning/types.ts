// Result types of the provisioning importers. What they parse is text a stranger may have
// written (a pasted e-mail, a clicked link, a CSV from somewhere), so a result is either a draft
// that already passes the contract's AccountSettings schema or a refusal with a reason the UI can
// translate — never an exception, and never the password anywhere but `draft.password`.

import { type AccountSettings } from '../../src-preload/contract';

export type ProvisioningField = 'user' | 'authorizationUser' | 'domain' | 'wsServer' | 'outboundProxy' | 'displayName' | 'serviceCode' | 'password';

export type ProvisioningRefusal = 'empty' | 'too-large' | 'no-account' | 'conflict' | 'invalid-field' | 'malformed' | 'unknown-parameter';

export interface ProvisioningDraft {
  /** Complete and valid per the contract's AccountSettings schema. */
  account: AccountSettings;
  /** null = the source had none. */
  password: string | null;
  /** Fields that were derived or guessed rather than read, e.g. 'wsServer' built from the server address. */
  derived: ProvisioningField[];
  /** Unknown labels seen (at most 20, each at most 40 characters, sanitised for display). */
  ignoredLabels: string[];
}

export type ProvisioningResult =
  | { ok: true; draft: ProvisioningDraft }
  | {
      ok: false;
      reason: ProvisioningRefusal;
      field?: ProvisioningField;
      /** The validation.* key from the contract, if any. */
      issue?: string;
    };

/** One data row of a CSV: its own result, so the UI can let the user pick their row. */
export type ProvisioningCsvRow = ProvisioningResult & {
  /** 1-based among the data rows returned (blank rows are skipped and not counted). */
  row: number;
  /** 1-based physical line the row starts on (a quoted cell may span lines). */
  line: number;
};

export type ProvisioningCsvResult =
  | { ok: true; rows: ProvisioningCsvRow[]; /** Header cells we do not know, sanitised, at most 20. */ ignoredColumns: string[] }
  | { ok: false; reason: Extract<ProvisioningRefusal, 'empty' | 'too-large' | 'no-account' | 'malformed'> };
