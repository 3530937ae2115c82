import { writeFile } from 'node:fs/promises';
import type { DesktopPorts } from '../desktop/desktop-ports';
import { ServiceError } from '../support/service-error';
import type { HistoryExportQuery, HistoryQueryEngine } from './history-query';

/** Writes the rows a history query selects as CSV, to a file the user picks in main's dialog. */
export async function exportHistoryToFile(
  deps: { engine: HistoryQueryEngine; ports: Pick<DesktopPorts, 'chooseFileToSave'>; title: string; fileType: string },
  query: HistoryExportQuery,
): Promise<{ saved: boolean; count: number }> {
  const bytes = deps.engine.exportCsv(query);
  const count = csvRecordCount(bytes) - 1; // minus the header
  const path = await deps.ports.chooseFileToSave({ title: deps.title, defaultName: 'tsunagu-history.csv', filters: [{ name: deps.fileType, extensions: ['csv'] }] });
  if (path === null) return { saved: false, count };
  try {
    await writeFile(path, bytes);
  } catch {
    throw new ServiceError('file-error', 'history export could not be written');
  }
  return { saved: true, count };
}

/** Records in a CSV (RFC 4180): line ends inside quotes belong to a field, not a new record. */
export function csvRecordCount(bytes: Uint8Array): number {
  const text = new TextDecoder().decode(bytes);
  let records = 0;
  let quoted = false;
  let empty = true;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === '\n' && !quoted) {
      if (!empty) records += 1;
      empty = true;
    } else if (char !== '\r' && char !== '\uFEFF') {
      empty = false;
    }
  }
  return empty ? records : records + 1;
}
