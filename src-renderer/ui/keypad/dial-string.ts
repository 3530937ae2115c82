// What a user types or pastes into the number field, made dialable. People paste numbers from
// e-mails, Excel and web pages: 03-1234-5678, （０３）１２３４－５６７８, +81 3 1234 5678.

/** Visual separators and look-alikes that carry no dialling meaning (ASCII and Japanese). */
const SEPARATORS = /[\s\-‐‑‒–—―ー−－().（）［］[\]/・.．]/gu;

/**
 * Normalises typed or pasted text into a dial string of digits, `*`, `#` and one leading `+`.
 * A SIP URI (`sip:…` or anything with `@`) is kept as typed, trimmed, for direct URI dialling.
 * Returns '' when nothing dialable is left.
 */
export function normalizeDialInput(raw: string): string {
  const text = raw.normalize('NFKC').trim();
  if (/^sips?:/i.test(text) || text.includes('@')) return text.replace(/\s+/g, '').slice(0, 256);
  const stripped = text.replace(SEPARATORS, '');
  const plus = stripped.startsWith('+') ? '+' : '';
  return (plus + stripped.replace(/[^0-9*#]/g, '')).slice(0, 64);
}

/** True when the string can be dialled as is. */
export function isDialable(value: string): boolean {
  return /^\+?[0-9*#]{1,64}$/.test(value) || /^sips?:[^\s@]+@[^\s@]+$/i.test(value) || /^[^\s@:]+@[^\s@]+$/.test(value);
}
