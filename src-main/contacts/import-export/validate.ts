import { ContactInput } from '../../../src-preload/contract';
import type { RejectReason } from './types';

export type Validated = { ok: true; contact: ContactInput } | { ok: false; reason: RejectReason; detail: string };

/**
 * The contract's schema is the only judge of a contact: what it rejects is reported with the
 * first problem, never patched up here. Its output (trimmed text) is what gets imported.
 */
export function validateContact(candidate: ContactInput): Validated {
  const result = ContactInput.safeParse(candidate);
  if (result.success) return { ok: true, contact: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, reason: 'invalid-field', detail: '' };
  const path = issue.path.map(String);
  const field = path[0] ?? '';
  return { ok: false, reason: reasonOf(field, path, issue.code, issue.message), detail: describe(candidate, path, issue.message) };
}

function reasonOf(field: string, path: string[], code: string | undefined, message: string): RejectReason {
  if (field === 'name' && code === 'too_small') return 'missing-name';
  if (field === 'numbers' && path.length === 1 && code === 'too_big') return 'too-many-numbers';
  if (message === 'validation.controlChars') return 'control-characters';
  if (field === 'email') return 'invalid-email';
  if (code === 'too_big') return 'field-too-long';
  if (field === 'numbers' && path[2] === 'number') return 'invalid-number';
  return 'invalid-field';
}

/** 'numbers.1.number: validation.phoneNumber "03-ABCD"': the path, the schema's i18n key and
 *  (shortened) the offending value, so the user can find the cell. */
function describe(candidate: ContactInput, path: string[], message: string): string {
  let value: unknown = candidate;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  const shown = typeof value === 'string' ? ` ${JSON.stringify(shorten(value))}` : '';
  return `${path.join('.')}: ${message}${shown}`;
}

export function shorten(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
