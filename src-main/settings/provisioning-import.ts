// Adapts the provisioning parsers (src-main/provisioning) to the bridge: pasted text and CSV
// files become ProvisioningEntry lists for the account form. Nothing here saves anything: the
// user checks the filled form and saves it, and a link's draft always waits for a confirmation.
import { stat, readFile } from 'node:fs/promises';
import type { ProvisioningEntry, ProvisioningParseResult } from '../../src-preload/contract';
import { decodeImportBytes } from '../contacts/import-export/encoding';
import type { DesktopPorts } from '../desktop/desktop-ports';
import { MAX_CSV_LENGTH, parseProvisioningCsv, parseProvisioningLink, parseProvisioningSheet, type ProvisioningResult } from '../provisioning';
import { ServiceError } from '../support/service-error';

/** One parser result as the page sees it. */
export function toEntry(result: ProvisioningResult, row: number | null): ProvisioningEntry {
  if (result.ok) {
    const { account, password, derived } = result.draft;
    return { ok: true, row, account, password, derived };
  }
  return { ok: false, row, reason: result.reason, field: result.field ?? null, issue: result.issue ?? null };
}

export function parseProvisioningText(format: 'sheet' | 'csv', text: string): ProvisioningParseResult {
  if (format === 'sheet') return { entries: [toEntry(parseProvisioningSheet(text), null)], refused: null };
  const csv = parseProvisioningCsv(text);
  if (!csv.ok) return { entries: [], refused: csv.reason };
  return { entries: csv.rows.slice(0, 5000).map((row) => toEntry(row, row.line)), refused: null };
}

/** A tsunagu://provision link's account, for the form to show (never saved from here). */
export function provisioningLinkEntry(link: string): ProvisioningEntry {
  return toEntry(parseProvisioningLink(link), null);
}

export interface ProvisioningFileDeps {
  ports: Pick<DesktopPorts, 'chooseFileToOpen'>;
  labels(): { title: string; csv: string };
}

/** The portal's CSV export, chosen in the OS dialog; UTF-8 (BOM or not) or Shift_JIS as Excel writes it. */
export async function chooseProvisioningFile(deps: ProvisioningFileDeps): Promise<ProvisioningParseResult | null> {
  const labels = deps.labels();
  const path = await deps.ports.chooseFileToOpen({ title: labels.title, filters: [{ name: labels.csv, extensions: ['csv', 'txt'] }] });
  if (path === null) return null;
  let bytes: Buffer;
  try {
    // Checked before reading: a huge file must not be loaded just to be refused. (The byte cap
    // is the text cap: a decoded CSV is never longer in UTF-16 code units than its bytes.)
    if ((await stat(path)).size > MAX_CSV_LENGTH * 2) throw new ServiceError('file-too-large', 'provisioning file too large');
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw new ServiceError('file-error', 'provisioning file could not be read');
  }
  const decoded = decodeImportBytes(bytes);
  if (!decoded.ok) return { entries: [], refused: 'malformed' };
  return parseProvisioningText('csv', decoded.text);
}
