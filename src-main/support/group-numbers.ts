/** A phone number as lists show it: its label and the number as stored. */
export interface LabelledNumber {
  label: string;
  number: string;
}

/**
 * Number rows (read for a page of owners in one statement, in position order) grouped by their
 * owner's id, so each list row gets its numbers without a query per row.
 */
export function groupNumbers<R extends LabelledNumber>(rows: Iterable<R>, ownerOf: (row: R) => number): Map<number, LabelledNumber[]> {
  const byOwner = new Map<number, LabelledNumber[]>();
  for (const row of rows) {
    const list = byOwner.get(ownerOf(row)) ?? [];
    list.push({ label: row.label, number: row.number });
    byOwner.set(ownerOf(row), list);
  }
  return byOwner;
}
