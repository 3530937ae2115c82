// What the tray shows for the app's state: which icon, the tooltip and the status lines at the
// top of the tray menu. Pure (no electron) so Node tests cover it; the Electron glue maps
// `icon` to assets/tray/<icon>.png and calls setImage / setToolTip / Menu.buildFromTemplate.
// People keep the softphone in the tray all day, so the icon alone must answer "can I take
// calls right now?" and the tooltip must say why not.

import { notificationText } from '../notify/notification-content';

export type TrayIconState = 'registered' | 'unregistered' | 'error' | 'ringing' | 'in-call' | 'dnd';

export interface TrayAccountStatus {
  label: string;
  registration: 'unregistered' | 'registering' | 'registered' | 'failed';
  failure?: 'auth' | 'unreachable' | 'rejected';
}

export interface TrayInput {
  accounts: TrayAccountStatus[];
  phase: 'idle' | 'calling' | 'ringing' | 'in-call' | 'ending';
  dnd: boolean;
  missedCalls: number;
  language: 'ja' | 'en';
}

export interface TrayPresentation {
  icon: TrayIconState;
  tooltip: string;
  menuStatusLines: string[];
  badgeCount: number;
}

export type TrayLanguage = TrayInput['language'];

/**
 * Every word the tray shows, so the glue builds its menu from the same table: the status
 * words of the tooltip and status lines, and the menu items `show`, `dndToggle` (a checkbox)
 * and `quit` that the glue adds below the status lines.
 */
export const TRAY_LABELS = {
  ja: {
    appName: 'Tsunagu',
    registered: '通話可能',
    unregistered: '未登録',
    registering: '登録中…',
    failedAuth: '認証に失敗しました',
    failedUnreachable: 'サーバーに接続できません',
    failedRejected: '登録が拒否されました',
    failed: '登録に失敗しました',
    ringing: '着信中',
    calling: '発信中',
    inCall: '通話中',
    dnd: '取り込み中',
    dndToggle: '応答不可',
    missedCalls: (count: number): string => `不在着信 ${count}件`,
    unnamedAccount: '(名前なし)',
    show: 'Tsunagu を表示',
    hide: 'ウィンドウを隠す',
    quit: '終了',
  },
  en: {
    appName: 'Tsunagu',
    registered: 'Ready for calls',
    unregistered: 'Not registered',
    registering: 'Registering…',
    failedAuth: 'Authentication failed',
    failedUnreachable: 'Cannot reach the server',
    failedRejected: 'Registration rejected',
    failed: 'Registration failed',
    ringing: 'Incoming call',
    calling: 'Calling',
    inCall: 'In a call',
    dnd: 'Do not disturb',
    dndToggle: 'Do not disturb',
    missedCalls: (count: number): string => (count === 1 ? '1 missed call' : `${count} missed calls`),
    unnamedAccount: '(unnamed)',
    show: 'Show Tsunagu',
    hide: 'Hide window',
    quit: 'Quit',
  },
} as const satisfies Record<TrayLanguage, Record<string, string | ((count: number) => string)>>;

/**
 * Windows keeps a tray tooltip in a 128-WCHAR buffer (NOTIFYICONDATA.szTip), i.e. 127 UTF-16
 * code units; longer text is cut by the OS wherever it falls, possibly inside a surrogate pair.
 * macOS and Linux have no such limit, but one tooltip for all keeps the behaviour testable.
 */
export const TRAY_TOOLTIP_MAX = 127;
/** An account label in the tooltip or menu: long enough for "営業部 代表 (03-1234-5678)". */
export const TRAY_LABEL_MAX = 40;

type Labels = (typeof TRAY_LABELS)[TrayLanguage];

/** The status word for one account's registration. */
export function accountStatusText(account: TrayAccountStatus, language: TrayLanguage): string {
  const l = TRAY_LABELS[language];
  switch (account.registration) {
    case 'registered':
      return l.registered;
    case 'registering':
      return l.registering;
    case 'unregistered':
      return l.unregistered;
    case 'failed':
      return failureText(account.failure, l);
  }
}

function failureText(failure: TrayAccountStatus['failure'], l: Labels): string {
  switch (failure) {
    case 'auth':
      return l.failedAuth;
    case 'unreachable':
      return l.failedUnreachable;
    case 'rejected':
      return l.failedRejected;
    default:
      return l.failed;
  }
}

/**
 * The icon, by priority: a ringing call beats everything (it needs an answer now), then being
 * on a call (outgoing setup and hang-up count: the line is busy), then do-not-disturb (the
 * user chose it), then a failed account (it needs fixing), then no account registered, and
 * only then "ready".
 */
function iconFor(input: TrayInput): TrayIconState {
  if (input.phase === 'ringing') return 'ringing';
  if (input.phase === 'in-call' || input.phase === 'calling' || input.phase === 'ending') return 'in-call';
  if (input.dnd) return 'dnd';
  if (input.accounts.some((a) => a.registration === 'failed')) return 'error';
  if (!input.accounts.some((a) => a.registration === 'registered')) return 'unregistered';
  return 'registered';
}

/** The one-phrase status after "Tsunagu — ", matching the icon but more specific. */
function headline(icon: TrayIconState, input: TrayInput, l: Labels): string {
  switch (icon) {
    case 'ringing':
      return l.ringing;
    case 'in-call':
      return input.phase === 'calling' ? l.calling : l.inCall;
    case 'dnd':
      return l.dnd;
    case 'error':
      // The first failure's reason; the account lines below give the rest.
      return failureText(input.accounts.find((a) => a.registration === 'failed')?.failure, l);
    case 'unregistered':
      return input.accounts.some((a) => a.registration === 'registering') ? l.registering : l.unregistered;
    case 'registered':
      return l.registered;
  }
}

function accountLine(account: TrayAccountStatus, language: TrayLanguage): string {
  // Labels may come from a provisioning file or a vCard: sanitise like any remote text.
  const label = notificationText(account.label, TRAY_LABEL_MAX) || TRAY_LABELS[language].unnamedAccount;
  return `${label} — ${accountStatusText(account, language)}`;
}

function missedCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/**
 * Joins lines into a tooltip of at most `max` code units. Lines that don't fit whole are cut
 * with an ellipsis (between grapheme clusters, by the shared sanitiser); the rest are dropped.
 */
function capLines(lines: string[], max: number): string {
  let out = '';
  for (const line of lines) {
    const room = out === '' ? max : max - out.length - 1;
    if (room <= 0) break;
    // The lines are already plain one-liners, so this only truncates.
    const fitted = notificationText(line, room);
    if (fitted === '') break;
    out = out === '' ? fitted : `${out}\n${fitted}`;
    if (fitted !== line) break;
  }
  return out;
}

export function trayPresentation(input: TrayInput): TrayPresentation {
  const l = TRAY_LABELS[input.language];
  const icon = iconFor(input);
  const badgeCount = missedCount(input.missedCalls);
  const menuStatusLines = input.accounts.map((account) => accountLine(account, input.language));
  const lines = [`${l.appName} — ${headline(icon, input, l)}`];
  if (badgeCount > 0) lines.push(l.missedCalls(badgeCount));
  lines.push(...menuStatusLines);
  return { icon, tooltip: capLines(lines, TRAY_TOOLTIP_MAX), menuStatusLines, badgeCount };
}
