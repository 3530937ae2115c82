import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ContactInput, ExportFormat, ImportPreviewView } from '../../src-preload/contract';
import type { DesktopPorts } from '../desktop/desktop-ports';
import { ServiceError } from '../support/service-error';
import type { ContactsService } from './contacts-service';
import { exportCsv, exportVcard, MAX_IMPORT_BYTES, previewImport, ShiftJisUnencodableError, type ImportPreview } from './import-export';

export interface ContactsTransferDeps {
  contacts: ContactsService;
  ports: Pick<DesktopPorts, 'chooseFileToOpen' | 'chooseFileToSave'>;
  labels(): { importTitle: string; exportTitle: string; csv: string; vcard: string };
}

/** How long a preview waits for the user's 「登録」 before it is dropped. */
const PREVIEW_TTL_MS = 30 * 60_000;

export type ContactsTransfer = ReturnType<typeof createContactsTransfer>;

/**
 * Import and export of the personal phonebook as files. Main opens the OS dialogs itself: the
 * page can ask for "an import" but can never name a path, so a compromised page cannot read or
 * overwrite arbitrary files. An import is previewed first and applied all-or-nothing later,
 * from the parsed contacts kept here (the page only holds an opaque token).
 */
export function createContactsTransfer(deps: ContactsTransferDeps) {
  const pending = new Map<string, { preview: ImportPreview; expires: number }>();

  function view(token: string, fileName: string, preview: ImportPreview): ImportPreviewView {
    return {
      token,
      fileName: fileName.slice(0, 260),
      format: preview.format,
      encoding: preview.encoding,
      totalRows: preview.totalRows,
      acceptedCount: preview.contacts.length,
      sample: preview.contacts.slice(0, 20).map((c) => ({ name: c.name, kana: c.kana, company: c.company, numbers: c.numbers.map((n) => n.number) })),
      rejected: preview.rejected.slice(0, 200).map((r) => ({ line: r.line, reason: r.reason, ...(r.detail ? { detail: r.detail.slice(0, 300) } : {}) })),
      rejectedCount: preview.rejected.length,
      ignoredColumns: preview.ignoredColumns.slice(0, 100).map((c) => c.slice(0, 128)),
    };
  }

  return {
    async chooseAndPreview(): Promise<ImportPreviewView | null> {
      const labels = deps.labels();
      const path = await deps.ports.chooseFileToOpen({
        title: labels.importTitle,
        filters: [
          { name: labels.csv, extensions: ['csv', 'txt'] },
          { name: labels.vcard, extensions: ['vcf', 'vcard'] },
        ],
      });
      if (path === null) return null;
      let bytes: Buffer;
      try {
        // Checked before reading: a huge file must not be loaded just to be refused.
        if ((await stat(path)).size > MAX_IMPORT_BYTES) throw new ServiceError('file-too-large', 'import file too large');
        bytes = await readFile(path);
      } catch (error) {
        if (error instanceof ServiceError) throw error;
        throw new ServiceError('file-error', 'import file could not be read');
      }
      const preview = previewImport(bytes, basename(path));
      const now = Date.now();
      for (const [token, entry] of pending) if (entry.expires < now) pending.delete(token);
      const token = randomUUID();
      pending.set(token, { preview, expires: now + PREVIEW_TTL_MS });
      return view(token, basename(path), preview);
    },

    /** Adds every accepted contact of the preview in one transaction, or none. */
    apply(token: string): { added: number } {
      const entry = pending.get(token);
      if (!entry) throw new ServiceError('not-found', 'no such import preview');
      pending.delete(token);
      return { added: deps.contacts.importAll(entry.preview.contacts) };
    },

    async exportToFile(format: ExportFormat): Promise<{ saved: boolean; count: number }> {
      const contacts: ContactInput[] = deps.contacts.allForExport();
      let bytes: Uint8Array;
      try {
        bytes =
          format === 'csv-utf8' ? exportCsv(contacts, 'utf-8')
          : format === 'csv-sjis' ? exportCsv(contacts, 'shift_jis')
          : exportVcard(contacts, format === 'vcard-3' ? '3.0' : '4.0');
      } catch (error) {
        if (error instanceof ShiftJisUnencodableError) throw new ServiceError('unencodable', 'some text cannot be written in Shift_JIS');
        throw error;
      }
      const labels = deps.labels();
      const isCsv = format.startsWith('csv');
      const path = await deps.ports.chooseFileToSave({
        title: labels.exportTitle,
        defaultName: isCsv ? 'tsunagu-contacts.csv' : 'tsunagu-contacts.vcf',
        filters: [isCsv ? { name: labels.csv, extensions: ['csv'] } : { name: labels.vcard, extensions: ['vcf'] }],
      });
      if (path === null) return { saved: false, count: contacts.length };
      try {
        await writeFile(path, bytes);
      } catch {
        throw new ServiceError('file-error', 'export file could not be written');
      }
      return { saved: true, count: contacts.length };
    },
  };
}
