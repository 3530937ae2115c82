// The label vocabulary shared by the sheet and CSV importers, and the sanitising of labels we
// echo back. Labels come from whatever a provider's sheet or portal wrote, copied through a PDF
// viewer or a mail client, and from anyone who wants to feed the importer something odd: a label
// is only ever looked up in a fixed table, and an unknown one is only shown after it has been
// folded, stripped of invisible characters and capped.

import { type ProvisioningField } from './types';

/**
 * Characters that must never reach a display name, a service code or an echoed label: controls
 * (C0, DEL, C1), format characters (bidi embeddings/overrides/isolates and marks that make text
 * render as something else, zero-width characters that hide it), lone surrogates, the Unicode
 * line/paragraph separators, the U+2060–206F block as a whole (its unassigned code points are not
 * Cf yet render as nothing) and the non-characters U+FFFE/FFFF. The contract's PlainText only
 * refuses C0 and DEL; text from a stranger gets the stricter set.
 */
export const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029\u2060-\u206F\uFFFE\uFFFF]/u;
const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, 'gu');

/** Label spellings seen on Japanese and English provisioning sheets and portal exports. Compared
 *  after labelKey(), so width, case, spaces, brackets, a parenthesised note and the long-vowel
 *  mark do not matter (ユーザー名 = ユーザ名 = ﾕｰｻﾞｰ名, ＳＩＰサーバー = SIP Server…). */
const VOCABULARY: ReadonlyArray<readonly [ProvisioningField, readonly string[]]> = [
  [
    'user',
    [
      '端末ID', '内線番号', 'ユーザーID', 'ユーザID', 'ユーザー名', 'SIP ID', 'SIPユーザー名', 'SIPユーザーID', 'SIPユーザー', 'SIPアカウント', 'アカウント', 'アカウント名',
      'User ID', 'User', 'Username', 'User name', 'Extension', 'Extension number', 'Ext', 'SIP user', 'SIP username', 'SIP user ID', 'SIP account', 'Account',
    ],
  ],
  ['password', ['パスワード', 'SIPパスワード', '認証パスワード', 'SIP認証パスワード', '端末パスワード', '内線パスワード', 'Password', 'SIP password', 'Auth password', 'Authentication password', 'Secret', 'Passwd']],
  [
    'domain',
    [
      '内線サーバアドレス', '内線サーバ', 'サーバアドレス', 'サーバ', 'SIPサーバ', 'SIPサーバアドレス', 'SIPサーバ名', 'SIPドメイン', 'ドメイン', 'ドメイン名', 'レジストラ', 'レジストラサーバ', 'SIPレジストラ',
      'SIP server', 'SIP server address', 'Server', 'Server address', 'Domain', 'SIP domain', 'Registrar', 'Registrar server', 'SIP registrar',
    ],
  ],
  ['wsServer', ['WebSocketサーバ', 'WebSocketサーバアドレス', 'WebSocket URL', 'WebSocket', 'WSS URL', 'WSS', 'WSSサーバ', 'WebSocket server', 'WSS server', 'WS URL']],
  [
    'authorizationUser',
    [
      '認証ID', '認証ユーザー名', '認証ユーザー', '認証ユーザーID', 'SIP認証ID', 'Auth ID', 'Authorization user', 'Authorization username', 'Authorization name', 'Authorization ID',
      'Auth user', 'Auth username', 'Auth name', 'Authentication ID', 'Authentication user', 'Authentication username',
    ],
  ],
  ['displayName', ['表示名', '名前', 'お名前', '氏名', '利用者名', 'ご利用者名', '使用者名', 'Display name', 'Name']],
  ['outboundProxy', ['アウトバウンドプロキシ', 'アウトバウンドプロキシサーバ', 'Outbound proxy', 'Outbound proxy server', 'Outbound']],
  ['serviceCode', ['サービスコード', 'テナントID', 'テナントコード', '契約ID', 'Service code', 'Tenant ID', 'Tenant code', 'Tenant', 'Contract ID']],
];

/** Longer than any label we know even with a note in parentheses: not worth folding. */
const MAX_LABEL_CHARS = 64;

/**
 * The comparison form of a label: NFKC (full-width and half-width katakana fold), lower case, a
 * parenthesised note removed (「パスワード（半角英数）」), and spaces, brackets, bullets and the
 * long-vowel mark ー dropped, so ユーザ and ユーザー, サーバ and サーバー compare equal. Colons
 * and equals signs are kept: a candidate label that runs into its value never matches.
 */
export function labelKey(label: string): string {
  return label
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\([^()]*\)/g, '')
    .replace(/[\s_\-\u2010-\u2015\u2212\u30FC・.、,'"「」『』【】[\]〔〕〈〉《》]/g, '');
}

const LABELS: ReadonlyMap<string, ProvisioningField> = new Map(VOCABULARY.flatMap(([field, labels]) => labels.map((label) => [labelKey(label), field] as const)));

/** Every label spelling we recognise (for tests and documentation). */
export const KNOWN_LABELS: ReadonlyArray<readonly [ProvisioningField, readonly string[]]> = VOCABULARY;

/** The field a label names, or null. Bounded: an overlong "label" is not looked at. */
export function fieldForLabel(label: string): ProvisioningField | null {
  if (label === '' || label.length > MAX_LABEL_CHARS) return null;
  const key = labelKey(label);
  return key === '' ? null : (LABELS.get(key) ?? null);
}

export const MAX_IGNORED_LABELS = 20;
export const MAX_IGNORED_LABEL_CHARS = 40;

/** An unknown label as shown to the user: folded, invisible characters removed, whitespace
 *  collapsed, at most 40 code points (never half a surrogate pair). '' when nothing is left. */
export function sanitiseLabel(raw: string): string {
  const text = raw
    .slice(0, 200)
    .normalize('NFKC')
    .replace(FORBIDDEN_ALL, '')
    .replace(/\s+/g, ' ')
    .replace(/[:：=]+$/, '')
    .trim();
  const points = Array.from(text);
  return points.length <= MAX_IGNORED_LABEL_CHARS ? text : points.slice(0, MAX_IGNORED_LABEL_CHARS).join('').trim();
}

/** Collects unknown labels, de-duplicated, with room to spare for the password filter applied
 *  when the draft is built. */
export class IgnoredLabels {
  private readonly seen = new Set<string>();

  add(raw: string): void {
    if (this.seen.size >= MAX_IGNORED_LABELS * 2 || raw === '') return;
    const label = sanitiseLabel(raw);
    if (label !== '') this.seen.add(label);
  }

  list(): string[] {
    return [...this.seen];
  }
}
