// What the OS notification for a call says, per platform and language. Pure (no electron):
// the Electron glue passes the result to `new Notification(...)` as it is, and Node tests can
// throw hostile caller names at it. Caller names and numbers come from SIP From headers and
// vCards, i.e. from whoever is calling, so every interpolated value goes through one sanitiser
// and then through the escaping the target platform needs.

export interface IncomingCallInfo {
  callerName: string | null;
  callerNumber: string;
  calledLine: string | null;
  callId: string;
}

export interface NotificationContent {
  title: string;
  body: string;
  /** macOS action buttons, in order */
  actions: { type: 'button'; text: string }[];
  /** Windows toast XML with Answer/Decline buttons (activationType="protocol" NOT allowed: use launch args), or null on other platforms */
  toastXml: string | null;
  silent: boolean;
}

export type NotificationLanguage = 'ja' | 'en';

/** Every word the notifications use, so the glue (and the tray) show the same ones. */
export const NOTIFICATION_LABELS = {
  ja: {
    incomingTitle: '着信',
    missedTitle: '不在着信',
    missedCount: (count: number): string => `不在着信 ${count}件`,
    latest: '最新',
    calledLine: '着信先',
    answer: '応答',
    decline: '拒否',
    anonymous: '非通知',
  },
  en: {
    incomingTitle: 'Incoming call',
    missedTitle: 'Missed call',
    missedCount: (count: number): string => `${count} missed calls`,
    latest: 'Latest',
    calledLine: 'Line',
    answer: 'Answer',
    decline: 'Decline',
    anonymous: 'Anonymous',
  },
} as const satisfies Record<NotificationLanguage, Record<string, string | ((count: number) => string)>>;

/**
 * Caps, in UTF-16 code units of the final string (after any Linux entity escaping), because
 * that is what the OS APIs count: a toast line or a libnotify body much longer than this is
 * cut by the OS anyway, at a point we don't control (possibly inside a surrogate pair).
 */
export const NOTIFICATION_LIMITS = {
  /** One caller name, number or line name. */
  field: 64,
  /** A whole title ("着信: " + name). */
  title: 80,
  /** One body line ("着信先: " + line). */
  line: 78,
  /** A whole body: at most two lines and the line break between them. */
  body: 2 * 78 + 1,
} as const;

// ---------------------------------------------------------------------------------------------
// Plain text

/** Runs of whitespace, including line breaks and the line/paragraph separators. */
const WHITESPACE = /[\s\u0085\u2028\u2029]+/gu;
/**
 * Controls (C0, DEL, C1) and every format character: bidi embeddings/overrides/isolates/marks
 * (U+202A–202E, U+2066–2069, U+200E/F, U+061C) that can make "evil\u202Egnp.exe" read as
 * something else, zero-width characters (U+200B–200D, U+2060, U+FEFF) that hide or split
 * text, soft hyphens and the invisible tag block (U+E0000–E007F) used to smuggle text past a
 * reader. Plus U+FFFE/U+FFFF, which are not allowed in XML.
 */
// U+2060–206F as a whole: its unassigned code points (e.g. U+2065) are not Cf, yet render as
// nothing too.
const INVISIBLE = /[\p{Cc}\p{Cf}\u2060-\u206F\uFFFE\uFFFF]/gu;
/** A surrogate without its partner: not valid UTF-16, so not encodable for the OS or XML. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ELLIPSIS = '…';
/**
 * Work bound for absurd inputs (a 100 kB "name"). Far above any cap, so cutting here can only
 * drop text that truncation would drop anyway — except when the input is mostly invisible
 * characters, which is hostile and may then end early (still with an ellipsis).
 */
const MAX_SCAN = 8192;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Removes everything that is not printable plain text and collapses whitespace. */
function cleanText(raw: string): { text: string; cut: boolean } {
  let input = raw;
  let cut = false;
  if (input.length > MAX_SCAN) {
    // Don't leave half a surrogate pair at the cut (it would become U+FFFD below).
    const end = isHighSurrogate(input.charCodeAt(MAX_SCAN - 1)) ? MAX_SCAN - 1 : MAX_SCAN;
    input = input.slice(0, end);
    cut = true;
  }
  const text = input
    .replace(LONE_SURROGATE, '\uFFFD')
    // JavaScript's \s counts the BOM (U+FEFF) as a space; it is a zero-width character to us.
    .replace(/\uFEFF/g, '')
    // Whitespace first, so "Yamada\nTaro" becomes "Yamada Taro" rather than "YamadaTaro"
    // (line breaks are controls too).
    .replace(WHITESPACE, ' ')
    .replace(INVISIBLE, '')
    // Stripping can leave two spaces side by side ("a \u200B b").
    .replace(/ {2,}/g, ' ')
    .trim();
  return { text, cut };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Returns `escape(text)` cut to at most `maxLength` code units, cutting only between grapheme
 * clusters (never inside a surrogate pair, an emoji sequence or a base + combining mark) and
 * ending with an ellipsis when anything was cut (or `forceEllipsis` says the input already
 * was). Escaping before measuring makes the cap hold for the form the OS receives.
 */
function fit(text: string, maxLength: number, forceEllipsis: boolean, escape: (s: string) => string): string {
  const limit = Math.max(0, Math.floor(maxLength));
  const whole = escape(text);
  if (!forceEllipsis && whole.length <= limit) return whole;
  if (limit < ELLIPSIS.length) return '';
  const room = limit - ELLIPSIS.length;
  let kept = '';
  let keptLength = 0;
  for (const { segment } of segmenter.segment(text)) {
    const escaped = escape(segment);
    if (keptLength + escaped.length > room) break;
    kept += escaped;
    keptLength += escaped.length;
  }
  // "山田 …" reads worse than "山田…".
  return kept.replace(/ +$/, '') + ELLIPSIS;
}

const identity = (s: string): string => s;

/**
 * The sanitiser: hostile text in, one line of plain printable text out, at most `maxLength`
 * UTF-16 code units. Strips controls, bidi overrides/isolates/marks, zero-width and other
 * invisible format characters; collapses whitespace (line breaks included) to single spaces;
 * truncates between grapheme clusters with an ellipsis. Not escaped for any markup: callers
 * escape for their target (see incomingCallNotification).
 */
export function notificationText(raw: string | null | undefined, maxLength: number): string {
  if (typeof raw !== 'string' || raw === '') return '';
  const { text, cut } = cleanText(raw);
  if (text === '') return cut ? fit('', maxLength, true, identity) : '';
  return fit(text, maxLength, cut, identity);
}

// ---------------------------------------------------------------------------------------------
// Escaping per target

/**
 * Linux notification servers (GNOME Shell, KDE, dunst, mako…) render a subset of HTML in the
 * body (the "body-markup" capability) and Electron passes our body through untouched, so a
 * caller named "<b>x</b>" or "&amp;" would be rendered as markup. Entities display as the
 * characters they stand for.
 */
function escapeMarkup(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * The Linux summary (title) is plain text by the notification spec, so entities there would
 * show literally on spec-following servers (GNOME), while a few servers do parse it. Full-width
 * look-alikes read the same in Japanese text and are inert either way.
 */
function neutraliseTitleMarkup(s: string): string {
  return s.replace(/&/g, '＆').replace(/</g, '＜').replace(/>/g, '＞');
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

// ---------------------------------------------------------------------------------------------
// Notifications

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our own call ids are UUIDs; anything else is not put into a toast's activation arguments. */
export function isToastCallId(callId: unknown): callId is string {
  return typeof callId === 'string' && UUID.test(callId);
}

export type ToastActivation =
  | { action: 'answer' | 'decline'; callId: string }
  | { action: 'show' | 'missed'; callId: string | null };

/**
 * Parses the arguments Windows hands back when a toast or one of its buttons is clicked
 * ("answer:<uuid>", "decline:<uuid>", "show[:<uuid>]", "missed[:<uuid>]"). They arrive from
 * outside the process, so the glue should act only on what this accepts; null means ignore.
 */
export function parseToastActivation(args: unknown): ToastActivation | null {
  if (typeof args !== 'string') return null;
  const match = /^(answer|decline|show|missed)(?::([^]*))?$/.exec(args);
  if (!match) return null;
  const action = match[1] as ToastActivation['action'];
  const id = match[2];
  if (id === undefined) return action === 'show' || action === 'missed' ? { action, callId: null } : null;
  if (!isToastCallId(id)) return null;
  return { action, callId: id.toLowerCase() };
}

interface Parts {
  /** Name, or number, or the anonymous label: plain, capped to the field limit. */
  who: string;
  /** The number, when the name is shown in the title; else ''. */
  number: string;
  line: string;
}

function parts(info: IncomingCallInfo, language: NotificationLanguage): Parts {
  const labels = NOTIFICATION_LABELS[language];
  const name = notificationText(info.callerName, NOTIFICATION_LIMITS.field);
  let number = notificationText(info.callerNumber, NOTIFICATION_LIMITS.field);
  // A withheld number arrives as "anonymous" (RFC 3323) or as nothing at all.
  if (number.toLowerCase() === 'anonymous') number = '';
  const who = name !== '' ? name : number !== '' ? number : labels.anonymous;
  return {
    who,
    number: name !== '' ? number : '',
    line: notificationText(info.calledLine, NOTIFICATION_LIMITS.field),
  };
}

function calledLineText(language: NotificationLanguage, line: string): string {
  return line === '' ? '' : `${NOTIFICATION_LABELS[language].calledLine}: ${line}`;
}

interface Text {
  /** Plain title, e.g. "着信: 山田 太郎". */
  title: string;
  /** Plain body lines; empty ones are left out. */
  lines: string[];
}

/**
 * The title and body as `platform` receives them: escaped where the platform parses markup,
 * each line capped after escaping so a hostile value cannot push the cap or crowd out the
 * other line.
 */
function render(text: Text, platform: string): { title: string; body: string } {
  const linux = platform === 'linux';
  return {
    title: fit(text.title, NOTIFICATION_LIMITS.title, false, linux ? neutraliseTitleMarkup : identity),
    body: text.lines
      .filter((line) => line !== '')
      .map((line) => fit(line, NOTIFICATION_LIMITS.line, false, linux ? escapeMarkup : identity))
      .join('\n'),
  };
}

interface ToastSpec {
  launch: string;
  text: Text;
  buttons: { content: string; arguments: string }[];
  incomingCall: boolean;
  silent: boolean;
}

/**
 * Windows toast XML. Every interpolated value is XML-escaped (and was sanitised, so it holds
 * no character XML forbids). Activation is "foreground" with arguments the glue checks with
 * parseToastActivation: "protocol" activation would route a click through a URL handler that
 * any other app can register or invoke.
 */
function toastXml(spec: ToastSpec): string {
  const texts = [
    fit(spec.text.title, NOTIFICATION_LIMITS.title, false, identity),
    ...spec.text.lines.filter((line) => line !== '').map((line) => fit(line, NOTIFICATION_LIMITS.line, false, identity)),
  ]
    // ToastGeneric shows at most three <text> lines: the title and two body lines.
    .slice(0, 3)
    .map((text) => `<text>${escapeXml(text)}</text>`)
    .join('');
  // The incomingCall scenario keeps the toast on screen until answered or declined and shows
  // the buttons large; it needs buttons to make sense.
  const scenario = spec.incomingCall && spec.buttons.length > 0 ? ' scenario="incomingCall"' : '';
  const actions =
    spec.buttons.length > 0
      ? `<actions>${spec.buttons
          .map((b) => `<action content="${escapeXml(b.content)}" arguments="${escapeXml(b.arguments)}" activationType="foreground"/>`)
          .join('')}</actions>`
      : '';
  const audio = spec.silent ? '<audio silent="true"/>' : '';
  return (
    `<toast activationType="foreground" launch="${escapeXml(spec.launch)}"${scenario}>` +
    `<visual><binding template="ToastGeneric">${texts}</binding></visual>` +
    audio +
    actions +
    `</toast>`
  );
}

/**
 * The notification for a ringing call, as CloudPhone Biz shows it: title "着信: <name or
 * number>", body the number (when the name took the title) and "着信先: <line>".
 *
 * silent is true on every platform: the app plays its own ringtone while the call rings and
 * stops it when the call is answered, declined or cancelled; an OS chime on top of it would
 * double the ring, and on Windows the incomingCall scenario would even loop the system's own
 * call ringtone for as long as the toast is up. The missed-call notification keeps the sound.
 */
export function incomingCallNotification(
  info: IncomingCallInfo,
  platform: NodeJS.Platform | string,
  language: NotificationLanguage,
): NotificationContent {
  const labels = NOTIFICATION_LABELS[language];
  const p = parts(info, language);
  const text: Text = { title: `${labels.incomingTitle}: ${p.who}`, lines: [p.number, calledLineText(language, p.line)] };
  const callId = isToastCallId(info.callId) ? info.callId.toLowerCase() : null;
  return {
    ...render(text, platform),
    // Electron shows `actions` on macOS only. Windows gets its buttons from the toast XML;
    // on Linux Electron registers only the default click, so a click opens the window.
    actions:
      platform === 'darwin'
        ? [
            { type: 'button', text: labels.answer },
            { type: 'button', text: labels.decline },
          ]
        : [],
    toastXml:
      platform === 'win32'
        ? toastXml({
            launch: callId !== null ? `show:${callId}` : 'show',
            text,
            buttons:
              callId !== null
                ? [
                    { content: labels.answer, arguments: `answer:${callId}` },
                    { content: labels.decline, arguments: `decline:${callId}` },
                  ]
                : [],
            incomingCall: true,
            silent: true,
          })
        : null,
    silent: true,
  };
}

/**
 * The notification left behind by unanswered calls. One call: "不在着信: <who>" with the same
 * body as the incoming one. Several unseen (`count` > 1): "不在着信 3件" with "最新: <who>".
 * No buttons: calling back is done from the history a click opens. Not silent: the ring has
 * stopped, so this is the only sound a missed call makes, and like any notification it then
 * follows the user's OS settings (Focus / 応答不可 modes mute it there).
 */
export function missedCallNotification(
  info: IncomingCallInfo & { count: number },
  platform: string,
  language: NotificationLanguage,
): NotificationContent {
  const labels = NOTIFICATION_LABELS[language];
  const p = parts(info, language);
  const count = Number.isFinite(info.count) ? Math.max(1, Math.floor(info.count)) : 1;
  const text: Text =
    count === 1
      ? { title: `${labels.missedTitle}: ${p.who}`, lines: [p.number, calledLineText(language, p.line)] }
      : { title: labels.missedCount(count), lines: [`${labels.latest}: ${p.who}`, calledLineText(language, p.line)] };
  const callId = isToastCallId(info.callId) ? info.callId.toLowerCase() : null;
  return {
    ...render(text, platform),
    actions: [],
    toastXml:
      platform === 'win32'
        ? toastXml({ launch: callId !== null ? `missed:${callId}` : 'missed', text, buttons: [], incomingCall: false, silent: false })
        : null,
    silent: false,
  };
}
