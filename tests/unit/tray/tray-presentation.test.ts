import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  TRAY_LABELS,
  TRAY_LABEL_MAX,
  TRAY_TOOLTIP_MAX,
  accountStatusText,
  trayPresentation,
  type TrayAccountStatus,
  type TrayIconState,
  type TrayInput,
} from '../../../src-main/tray/tray-presentation';

const FORBIDDEN = /[\p{Cc}\p{Cf}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const registered: TrayAccountStatus = { label: '1001', registration: 'registered' };
const registering: TrayAccountStatus = { label: '1002', registration: 'registering' };
const unregistered: TrayAccountStatus = { label: '1003', registration: 'unregistered' };
const authFailed: TrayAccountStatus = { label: '1004', registration: 'failed', failure: 'auth' };

function input(overrides: Partial<TrayInput> = {}): TrayInput {
  return { accounts: [registered], phase: 'idle', dnd: false, missedCalls: 0, language: 'ja', ...overrides };
}

describe('tray icon priority: ringing > in-call > dnd > error > unregistered > registered', () => {
  it.each<[string, Partial<TrayInput>, TrayIconState]>([
    ['ringing beats everything', { phase: 'ringing', dnd: true, accounts: [authFailed] }, 'ringing'],
    ['in a call beats dnd and errors', { phase: 'in-call', dnd: true, accounts: [authFailed] }, 'in-call'],
    ['an outgoing call in setup is a busy line', { phase: 'calling' }, 'in-call'],
    ['hanging up is still a busy line', { phase: 'ending' }, 'in-call'],
    ['dnd beats a failed account', { dnd: true, accounts: [authFailed] }, 'dnd'],
    ['any failed account is an error, even with another registered', { accounts: [registered, authFailed] }, 'error'],
    ['a failure without a reason is still an error', { accounts: [{ label: 'x', registration: 'failed' }] }, 'error'],
    ['none registered', { accounts: [registering, unregistered] }, 'unregistered'],
    ['no accounts at all', { accounts: [] }, 'unregistered'],
    ['one registered is enough', { accounts: [unregistered, registered] }, 'registered'],
    ['idle and registered', {}, 'registered'],
  ])('%s', (_label, overrides, icon) => {
    expect(trayPresentation(input(overrides)).icon).toBe(icon);
  });

  it('property: the icon follows the priority for any input', () => {
    const account = fc.record({
      label: fc.string(),
      registration: fc.constantFrom('unregistered', 'registering', 'registered', 'failed'),
      failure: fc.constantFrom('auth', 'unreachable', 'rejected'),
    }) as fc.Arbitrary<TrayAccountStatus>;
    fc.assert(
      fc.property(
        fc.array(account, { maxLength: 4 }),
        fc.constantFrom('idle', 'calling', 'ringing', 'in-call', 'ending'),
        fc.boolean(),
        (accounts, phase, dnd) => {
          const { icon } = trayPresentation(input({ accounts, phase: phase as TrayInput['phase'], dnd }));
          const expected: TrayIconState =
            phase === 'ringing'
              ? 'ringing'
              : phase !== 'idle'
                ? 'in-call'
                : dnd
                  ? 'dnd'
                  : accounts.some((a) => a.registration === 'failed')
                    ? 'error'
                    : accounts.some((a) => a.registration === 'registered')
                      ? 'registered'
                      : 'unregistered';
          expect(icon).toBe(expected);
        },
      ),
    );
  });
});

describe('tooltip and menu status lines', () => {
  it('says the status and one line per account, in Japanese', () => {
    const p = trayPresentation(input({ accounts: [registered, authFailed, registering] }));
    expect(p.menuStatusLines).toEqual(['1001 — 通話可能', '1004 — 認証に失敗しました', '1002 — 登録中…']);
    expect(p.tooltip).toBe('Tsunagu — 認証に失敗しました\n1001 — 通話可能\n1004 — 認証に失敗しました\n1002 — 登録中…');
  });

  it('says the status and one line per account, in English', () => {
    const p = trayPresentation(input({ accounts: [registered, { label: 'Sales', registration: 'failed', failure: 'unreachable' }], language: 'en' }));
    expect(p.menuStatusLines).toEqual(['1001 — Ready for calls', 'Sales — Cannot reach the server']);
    expect(p.tooltip.split('\n')[0]).toBe('Tsunagu — Cannot reach the server');
  });

  it.each<[Partial<TrayInput>, string]>([
    [{}, 'Tsunagu — 通話可能'],
    [{ phase: 'ringing' }, 'Tsunagu — 着信中'],
    [{ phase: 'in-call' }, 'Tsunagu — 通話中'],
    [{ phase: 'ending' }, 'Tsunagu — 通話中'],
    [{ phase: 'calling' }, 'Tsunagu — 発信中'],
    [{ dnd: true }, 'Tsunagu — 取り込み中'],
    [{ accounts: [unregistered] }, 'Tsunagu — 未登録'],
    [{ accounts: [unregistered, registering] }, 'Tsunagu — 登録中…'],
    [{ accounts: [] }, 'Tsunagu — 未登録'],
    [{ accounts: [{ label: 'a', registration: 'failed', failure: 'rejected' }] }, 'Tsunagu — 登録が拒否されました'],
    [{ accounts: [{ label: 'a', registration: 'failed' }] }, 'Tsunagu — 登録に失敗しました'],
  ])('headline for %j', (overrides, headline) => {
    expect(trayPresentation(input(overrides)).tooltip.split('\n')[0]).toBe(headline);
  });

  it('has no status lines without accounts', () => {
    const p = trayPresentation(input({ accounts: [] }));
    expect(p.menuStatusLines).toEqual([]);
    expect(p.tooltip).toBe('Tsunagu — 未登録');
  });

  it('shows missed calls in the tooltip and as the badge', () => {
    expect(trayPresentation(input({ missedCalls: 3 }))).toMatchObject({ badgeCount: 3, tooltip: 'Tsunagu — 通話可能\n不在着信 3件\n1001 — 通話可能' });
    expect(trayPresentation(input({ missedCalls: 1, language: 'en' })).tooltip).toContain('\n1 missed call\n');
    expect(trayPresentation(input({ missedCalls: 2, language: 'en' })).tooltip).toContain('\n2 missed calls\n');
    for (const missedCalls of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const p = trayPresentation(input({ missedCalls }));
      expect(p.badgeCount).toBe(0);
      expect(p.tooltip).not.toMatch(/不在着信/);
    }
    expect(trayPresentation(input({ missedCalls: 2.7 })).badgeCount).toBe(2);
  });

  it('sanitises hostile account labels', () => {
    const p = trayPresentation(
      input({
        accounts: [
          { label: 'evil\u202Egnp.exe', registration: 'registered' },
          { label: '営業\n部\t\u0000代表', registration: 'registered' },
          { label: '\u200B\u2066\u2069 ', registration: 'registered' },
          { label: 'x'.repeat(100_000), registration: 'registered' },
        ],
        language: 'ja',
      }),
    );
    expect(p.menuStatusLines[0]).toBe('evilgnp.exe — 通話可能');
    expect(p.menuStatusLines[1]).toBe('営業 部 代表 — 通話可能');
    expect(p.menuStatusLines[2]).toBe('(名前なし) — 通話可能');
    expect(p.menuStatusLines[3]).toBe(`${'x'.repeat(TRAY_LABEL_MAX - 1)}… — 通話可能`);
  });

  it('caps the tooltip at 127 UTF-16 code units, cutting with an ellipsis between graphemes', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ label: `営業部 代表回線 ${i} 😀`, registration: 'registered' as const }));
    const p = trayPresentation(input({ accounts: many, missedCalls: 12 }));
    expect(p.tooltip.length).toBeLessThanOrEqual(TRAY_TOOLTIP_MAX);
    expect(p.tooltip.endsWith('…')).toBe(true);
    expect(p.tooltip).not.toMatch(LONE_SURROGATE);
    expect(p.tooltip.startsWith('Tsunagu — 通話可能\n不在着信 12件\n営業部 代表回線 0 😀 — 通話可能\n')).toBe(true);
    // The menu is not capped: every account keeps its line.
    expect(p.menuStatusLines).toHaveLength(12);
  });

  it('property: tooltip and lines never carry control/bidi characters or exceed their caps', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom('\u202E', '\u2067', '\u200B', '\n', '\r', '\u0000', '\u0085', 'a', 'あ', '😀', '\u0301'), maxLength: 200 }),
    );
    const account = fc.record({
      label: hostile,
      registration: fc.constantFrom('unregistered', 'registering', 'registered', 'failed'),
    }) as fc.Arbitrary<TrayAccountStatus>;
    fc.assert(
      fc.property(
        fc.array(account, { maxLength: 8 }),
        fc.constantFrom('idle', 'calling', 'ringing', 'in-call', 'ending'),
        fc.boolean(),
        fc.integer({ min: -5, max: 10_000 }),
        fc.constantFrom('ja', 'en'),
        (accounts, phase, dnd, missedCalls, language) => {
          const p = trayPresentation({ accounts, phase: phase as TrayInput['phase'], dnd, missedCalls, language: language as TrayInput['language'] });
          expect(p.tooltip.length).toBeLessThanOrEqual(TRAY_TOOLTIP_MAX);
          expect(p.tooltip.startsWith('Tsunagu — ')).toBe(true);
          expect(p.menuStatusLines).toHaveLength(accounts.length);
          for (const text of [...p.tooltip.split('\n'), ...p.menuStatusLines]) {
            expect(text).not.toMatch(FORBIDDEN);
            expect(text).not.toMatch(LONE_SURROGATE);
            expect(text).not.toBe('');
          }
          for (const line of p.menuStatusLines) {
            expect(line.length).toBeLessThanOrEqual(TRAY_LABEL_MAX + ' — '.length + 'Cannot reach the server'.length);
          }
          expect(p.badgeCount).toBe(Math.max(0, missedCalls));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('label table', () => {
  it('has the same keys in both languages and the agreed Japanese words', () => {
    expect(Object.keys(TRAY_LABELS.en).sort()).toEqual(Object.keys(TRAY_LABELS.ja).sort());
    expect(TRAY_LABELS.ja).toMatchObject({
      registered: '通話可能',
      unregistered: '未登録',
      registering: '登録中…',
      failedAuth: '認証に失敗しました',
      failedUnreachable: 'サーバーに接続できません',
      ringing: '着信中',
      inCall: '通話中',
      dnd: '取り込み中',
      dndToggle: '応答不可',
    });
    expect(accountStatusText(authFailed, 'en')).toBe('Authentication failed');
  });
});

describe('tray icon assets', () => {
  const dir = join(import.meta.dirname, '../../../assets/tray');
  const states: TrayIconState[] = ['registered', 'unregistered', 'error', 'ringing', 'in-call', 'dnd'];

  function pngSize(file: string): { width: number; height: number; colourType: number } {
    const png = readFileSync(file);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colourType: png.readUInt8(25) };
  }

  it('has a 16 px and a 32 px (@2x) RGBA PNG for every icon state', () => {
    for (const state of states) {
      expect(pngSize(join(dir, `${state}.png`))).toEqual({ width: 16, height: 16, colourType: 6 });
      expect(pngSize(join(dir, `${state}@2x.png`))).toEqual({ width: 32, height: 32, colourType: 6 });
    }
  });

  it('has macOS template images (black with alpha) for the steady states', () => {
    for (const state of ['registered', 'unregistered', 'dnd']) {
      expect(pngSize(join(dir, `${state}Template.png`))).toEqual({ width: 16, height: 16, colourType: 6 });
      expect(pngSize(join(dir, `${state}Template@2x.png`))).toEqual({ width: 32, height: 32, colourType: 6 });
    }
    expect(existsSync(join(dir, 'make-icons.py'))).toBe(true);
  });
});
