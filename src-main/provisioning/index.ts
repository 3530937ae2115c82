// Provisioning importers: a pasted provider sheet, a portal's CSV export, a tsunagu://provision
// link. All three read text a stranger may have written, so all three are pure, never throw, and
// hand back only a draft account that passes the contract (for the UI to confirm) or a refusal.
export { parseProvisioningSheet, MAX_SHEET_LENGTH } from './provisioning-sheet';
export { parseProvisioningCsv, MAX_CSV_LENGTH, MAX_CSV_ROWS } from './provisioning-csv';
export { parseProvisioningLink, isProvisioningLink, MAX_LINK_LENGTH } from './provisioning-link';
export { KNOWN_LABELS } from './labels';
export type { ProvisioningCsvResult, ProvisioningCsvRow, ProvisioningDraft, ProvisioningField, ProvisioningRefusal, ProvisioningResult } from './types';
