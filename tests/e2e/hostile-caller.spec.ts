// Hostile caller ids end to end: a raw SIP caller (tests/lab/raw-caller.ts, lab user 1009 over
// UDP, digest-authenticated by the lab's Kamailio) rings a real phone with From display names,
// P-Asserted-Identity and extra headers that carry markup, script, bidi overrides, zero-width
// and control characters and very long text; a web phonebook card (Radicale) names a caller
// with a 100 kB hostile FN. What the user sees must be inert plain text, stripped and capped:
// the call screen, the OS notifications (Linux title/body, Windows toast XML), the tray and the
// history.
//
// Size limits found in this lab (Kamailio 5.6.3, tests/lab/kamailio.cfg.template): an INVITE
// over UDP reaches the browser up to a UDP datagram (~64 kB of display name), but every reply
// of the phone (100 Trying, 180 Ringing) echoes the From header back over its WebSocket, and
// Kamailio reads TCP/WS messages into a tcp_rd_buf_size (16,384 byte) buffer: a reply larger
// than that is dropped with the phone's connection ("tcp_read(): buffer overrun"). A call can
// therefore only ring normally with a display name below ~15.8 kB; the 100 kB case goes
// through the web phonebook instead, which has no such transport limit.
import { XMLValidator } from 'fast-xml-parser';
import { NOTIFICATION_LIMITS } from '../../src-main/notify/notification-content';
import { TRAY_TOOLTIP_MAX } from '../../src-main/tray/tray-presentation';
import { MAX_REMOTE_TEXT } from '../../src-renderer/phone/sip-helpers';
import { RawCaller, quoteDisplayName, type RawCall } from '../lab/raw-caller';
import { startRadicale, type RadicaleLab } from '../lab/radicale';
import { expect, expectRegistered, test } from './fixtures';
import type { PhoneApp } from './harness/phone-app';
import type { RecordedNotification } from '../support/recording-desktop';

/** Bidi embeddings, overrides, isolates and marks: none may survive anywhere. */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Controls (C0, DEL, C1). */
const CONTROL = /\p{Cc}/u;
/** Any format character (bidi, zero-width, BOM, …): the OS surfaces strip them all. */
const FORMAT = /\p{Cf}/u;
const codePoints = (s: string) => Array.from(s).length;

// The caps, written out rather than imported, so that a sanitiser that stops capping (or caps
// higher) fails here; the last test says where each one is defined.
/** sanitizeRemoteText (src-renderer/phone/sip-helpers.ts): code points on the call screen. */
const SCREEN_MAX = 256;
/** NOTIFICATION_LIMITS (src-main/notify/notification-content.ts): UTF-16 units. */
const LIMITS = { field: 64, title: 80, line: 78, body: 2 * 78 + 1 };
/** TRAY_TOOLTIP_MAX (src-main/tray/tray-presentation.ts): UTF-16 units (Windows' szTip). */
const TOOLTIP_MAX = 127;
/** web-card.ts: a card's text fields, in code points (the last one an ellipsis). */
const CARD_TEXT_MAX = 128;

interface HostileCase {
  label: string;
  /** The display name as the caller means it (quoteDisplayName() escapes it for the wire). */
  name?: string;
  fromUri?: string;
  headers?: string[];
  /** What the call screen (and the history) must show. */
  shown: string | ((text: string) => void);
  /** The Linux notification title, and the Windows toast's first <text> (XML-escaped). */
  title?: { linux: string; toast: string };
}

const BIG_UNIT = '<img src=x onerror=window.__pwned=7>\u202E\u200B';
// ~14 kB on the wire: the phone's replies (which echo From) still fit Kamailio's 16 kB buffer.
const BIG_NAME = BIG_UNIT.repeat(Math.floor(14_000 / Buffer.byteLength(BIG_UNIT)));
const CASES: HostileCase[] = [
  {
    label: 'img onerror',
    name: '<img src=x onerror="window.__pwned=1">',
    headers: [
      'P-Asserted-Identity: "<script>window.__pwned=3</script>" <sip:1009@lab.test>',
      'X-Caller-Name: <img src=x onerror=window.__pwned=4>',
      'Subject: <script>window.__pwned=5</script>',
      'Organization: <iframe src="javascript:window.__pwned=6"></iframe>',
    ],
    shown: '<img src=x onerror="window.__pwned=1">',
    title: { linux: '着信: ＜img src=x onerror="window.__pwned=1"＞', toast: '<text>着信: &lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;</text>' },
  },
  {
    label: 'script',
    name: '<script>window.__pwned=2</script>',
    headers: ['P-Asserted-Identity: "\u202Eevil" <sip:1009@lab.test>'],
    shown: '<script>window.__pwned=2</script>',
    title: { linux: '着信: ＜script＞window.__pwned=2＜/script＞', toast: '<text>着信: &lt;script&gt;window.__pwned=2&lt;/script&gt;</text>' },
  },
  {
    label: 'RTL override',
    name: '\u202Egnp.exe',
    shown: 'gnp.exe',
    title: { linux: '着信: gnp.exe', toast: '<text>着信: gnp.exe</text>' },
  },
  {
    label: 'bidi and zero-width',
    name: 'a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i\u200Ej\u200Fk\u061Cl\uFEFFm zero\u200Bwidth\u200Cjoin\u200Dword\u2060',
    // The call screen strips bidi controls and the BOM; zero-width (non-bidi) characters are
    // invisible but inert there (the OS surfaces strip them too: checked below).
    shown: 'abcdefghijklm zero\u200Bwidth\u200Cjoin\u200Dword\u2060',
    title: { linux: '着信: abcdefghijklm zerowidthjoinword', toast: '<text>着信: abcdefghijklm zerowidthjoinword</text>' },
  },
  {
    label: 'C0/C1 controls',
    // As quoted-pairs (RFC 3261 25.1, NUL included) where a quoted-string needs them; TAB is
    // LWS; C1 as UTF-8. CR and LF cannot travel in a header at all. The phone unescapes the
    // quoted-pairs (sip.js leaves them escaped), then strips the controls.
    name: 'A\u0001B\u0007C\u0008D\u000BE\u000CF\u001BG\u001FH\u007FI\tJ\u0085K\u009BL\u0000M',
    shown: 'ABCD E FGHI J KLM',
    title: { linux: '着信: ABCD E FGHI J KLM', toast: '<text>着信: ABCD E FGHI J KLM</text>' },
  },
  {
    label: `~14 kB name (${Buffer.byteLength(BIG_NAME)} bytes)`,
    name: BIG_NAME,
    shown: (text) => {
      expect(codePoints(text)).toBeLessThanOrEqual(SCREEN_MAX);
      expect(codePoints(text)).toBeGreaterThan(SCREEN_MAX - 40);
      expect(BIG_NAME.replace(/[\u202E]/g, '').startsWith(text)).toBe(true);
    },
  },
  {
    label: '300 emoji (astral code points)',
    name: '😀'.repeat(300),
    shown: '😀'.repeat(SCREEN_MAX),
  },
  {
    // No display name: the number (the From user part, percent-decoded) is what is shown. The
    // lab authenticates only callers of its own domain, so a foreign From passes unchallenged.
    label: 'hostile user part from a foreign domain',
    fromUri: 'sip:%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D8%3E%E2%80%AE%07@evil.example',
    shown: '<img src=x onerror=window.__pwned=8>@evil.example',
    title: { linux: '着信: ＜img src=x onerror=window.__pwned=8＞@evil.example', toast: '<text>着信: &lt;img src=x onerror=window.__pwned=8&gt;@evil.example</text>' },
  },
];

/** Watches the page for markup the caller might smuggle in, and for script it might run. */
async function armTripwires(app: PhoneApp, errors: string[]): Promise<void> {
  app.page.on('pageerror', (error) => errors.push(`${app.page.url()} ${error.message}`));
  await app.page.evaluate(() => {
    const w = window as unknown as { __inserted: string[] };
    w.__inserted = [];
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (!(node instanceof Element)) continue;
          for (const el of [node, ...node.querySelectorAll('*')]) {
            if (/^(IMG|SCRIPT|IFRAME|OBJECT|EMBED|SVG|svg|LINK|META|STYLE)$/.test(el.tagName)) w.__inserted.push(el.outerHTML.slice(0, 200));
          }
        }
      }
    }).observe(document, { subtree: true, childList: true });
  });
}

async function expectInert(app: PhoneApp, baseline: number): Promise<void> {
  const state = await app.page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    inserted: (window as unknown as { __inserted: string[] }).__inserted,
    elements: document.querySelectorAll('img,script,iframe').length,
    // null when another tab (the history) is showing.
    phoneElements: document.querySelector('section.phone')?.querySelectorAll('img,script,iframe').length ?? null,
  }));
  expect(state.pwned).toBeUndefined();
  expect(state.inserted).toEqual([]);
  expect(state.elements).toBe(baseline);
  if (state.phoneElements !== null) expect(state.phoneElements).toBe(0);
}

const elementCount = (app: PhoneApp) => app.page.evaluate(() => document.querySelectorAll('img,script,iframe').length);

/** The remote-name element: its exact text, and whether it holds anything but text. */
const remoteName = (app: PhoneApp) =>
  app.page.evaluate(() => {
    const el = document.querySelector('[data-testid="remote-name"]');
    return el ? { text: el.textContent ?? '', children: el.children.length } : null;
  });

function expectShown(text: string, shown: HostileCase['shown']): void {
  expect(BIDI.test(text)).toBe(false);
  expect(CONTROL.test(text)).toBe(false);
  expect(codePoints(text)).toBeLessThanOrEqual(SCREEN_MAX);
  if (typeof shown === 'string') expect(text).toBe(shown);
  else shown(text);
}

/** What every notification on every platform must satisfy. */
function expectSafeNotification(n: RecordedNotification, platform: 'linux' | 'win32'): void {
  const { title, body, toastXml } = n.content;
  expect(title.length).toBeLessThanOrEqual(LIMITS.title);
  expect(body.length).toBeLessThanOrEqual(LIMITS.body);
  for (const line of body.split('\n')) expect(line.length).toBeLessThanOrEqual(LIMITS.line);
  for (const text of [title, body]) {
    expect(BIDI.test(text)).toBe(false);
    expect(FORMAT.test(text)).toBe(false);
    expect(CONTROL.test(text.replace(/\n/g, ''))).toBe(false);
  }
  if (platform === 'linux') {
    // The Linux body is markup (escaped); the summary is plain text with look-alikes for <>&.
    expect(title).not.toMatch(/[<>]/);
    expect(body).not.toMatch(/[<>]/);
    expect(body).not.toMatch(/&(?!(?:amp|lt|gt|quot|#39);)/);
    expect(toastXml).toBeNull();
  } else {
    expect(toastXml).not.toBeNull();
    const xml = toastXml ?? '';
    expect(XMLValidator.validate(xml)).toBe(true);
    // Only the toast's own elements: the caller's text is escaped inside them.
    expect(xml.replace(/<\/?(?:toast|visual|binding|text|actions|action|audio)\b[^<>]*>/g, '')).not.toMatch(/[<>]/);
    expect(BIDI.test(xml)).toBe(false);
    expect(FORMAT.test(xml)).toBe(false);
    expect(CONTROL.test(xml)).toBe(false);
    const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    const texts = [...xml.matchAll(/<text>([^<]*)<\/text>/g)].map((m) => unescape(m[1] ?? ''));
    expect(texts[0]).toBe(title);
    expect(texts[0]!.length).toBeLessThanOrEqual(LIMITS.title);
    for (const text of texts.slice(1)) expect(text.length).toBeLessThanOrEqual(LIMITS.line);
  }
}

function expectSafeTray(app: PhoneApp): void {
  expect(app.desktop.trays.length).toBeGreaterThan(0);
  for (const tray of app.desktop.trays) {
    expect(tray.tooltip.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    for (const text of [tray.tooltip, ...tray.menuStatusLines]) {
      expect(text).not.toMatch(/[<>]|pwned|gnp/);
      expect(BIDI.test(text)).toBe(false);
      expect(FORMAT.test(text)).toBe(false);
      expect(CONTROL.test(text.replace(/\n/g, ''))).toBe(false);
    }
  }
}

/** The ringing-call notification that appeared after `from` (the earlier ones are older calls). */
async function ringingNotification(app: PhoneApp, from: number): Promise<RecordedNotification> {
  await expect.poll(() => app.desktop.notifications.slice(from).filter((n) => n.content.title.startsWith('着信:')).length).toBeGreaterThan(0);
  return app.desktop.notifications.slice(from).find((n) => n.content.title.startsWith('着信:'))!;
}

test('hostile SIP caller ids ring as inert, stripped, capped text on the call screen, in notifications, the tray and the history', async ({ phoneFor, lab }) => {
  test.setTimeout(180_000);
  // The same extension on two desktops: the Linux notification (title/body) and the Windows
  // toast XML are built from the same call. Kamailio forks every INVITE to both.
  const linux = await phoneFor('1001');
  const windows = await phoneFor('1001', { platform: 'win32', label: '1001-win32' });
  const phones = [linux, windows];
  const errors: string[] = [];
  for (const app of phones) {
    await expectRegistered(app.page);
    await armTripwires(app, errors);
  }
  await expect.poll(async () => (await lab.lookup('1001')).length).toBe(2);
  const baselines = await Promise.all(phones.map(elementCount));
  const caller = await RawCaller.open(lab, { user: '1009', password: 'pass1009' });
  const open: RawCall[] = [];
  try {
    for (const c of CASES) {
      await test.step(c.label, async () => {
        const before = phones.map((app) => app.desktop.notifications.length);
        const call = caller.invite({ to: '1001', ...(c.name !== undefined ? { fromDisplay: quoteDisplayName(c.name) } : {}), ...(c.fromUri ? { fromUri: c.fromUri } : {}), headers: c.headers ?? [] });
        open.push(call);
        await call.waitForStatus(180);
        for (const [i, app] of phones.entries()) {
          await expect(app.page.getByTestId('call-status')).toHaveText('着信中');
          await expect.poll(async () => (await remoteName(app))?.text ?? null).not.toBeNull();
          const shown = (await remoteName(app))!;
          expect(shown.children).toBe(0);
          expectShown(shown.text, c.shown);
          await expectInert(app, baselines[i]!);

          const ringing = await ringingNotification(app, before[i]!);
          expectSafeNotification(ringing, i === 0 ? 'linux' : 'win32');
          if (c.title && i === 0) expect(ringing.content.title).toBe(c.title.linux);
          if (c.title && i === 1) expect(ringing.content.toastXml).toContain(c.title.toast);
          if (!c.title) expect(ringing.content.title).toMatch(/^着信: .*…$/u);
          // The name itself is cut to one field (64 units) before it goes into the title.
          expect(ringing.content.title.length).toBeLessThanOrEqual('着信: '.length + LIMITS.field);
          expect(app.desktop.lastTray()?.icon).toBe('ringing');
          expectSafeTray(app);
        }
        expect((await call.cancel()).status).toBe(487);
        for (const [i, app] of phones.entries()) {
          await expect(app.page.getByTestId('call-status')).toHaveText('待機中');
          // The missed call: in the history with the same sanitised name, and notified.
          const entry = app.history()[0]!;
          expect(entry.outcome).toBe('missed');
          if (c.name !== undefined) expectShown(entry.remoteName ?? '', c.shown);
          else expectShown(entry.remoteNumber, c.shown);
          await expect.poll(() => app.desktop.notifications.slice(before[i]!).filter((n) => n.content.title.startsWith('不在着信')).length).toBe(1);
          for (const n of app.desktop.notifications.slice(before[i]!)) expectSafeNotification(n, i === 0 ? 'linux' : 'win32');
          expectSafeTray(app);
          await expectInert(app, baselines[i]!);
        }
      });
    }

    // The history list shows the same sanitised names, as text.
    await linux.page.getByTestId('tab-history').click();
    const rows = linux.page.getByTestId('history-row');
    await expect(rows).toHaveCount(CASES.length);
    const listed = await linux.page.getByTestId('history-row').evaluateAll((els) =>
      els.map((el) => {
        const name = el.querySelector('[data-testid="history-name"]');
        const number = el.querySelector('[data-testid="history-number"]');
        return { name: name?.textContent ?? null, number: number?.textContent ?? '', children: name?.children.length ?? 0 };
      }),
    );
    const newestFirst = [...CASES].reverse();
    for (const [i, row] of listed.entries()) {
      const c = newestFirst[i]!;
      expect(row.children).toBe(0);
      if (c.name !== undefined) expectShown(row.name ?? '', c.shown);
      else expectShown(row.number, c.shown);
    }
    for (const [i, app] of phones.entries()) await expectInert(app, baselines[i]!);
    expect(errors).toEqual([]);
  } finally {
    await Promise.allSettled(open.map((call) => call.end()));
    await caller.close();
  }
});

test.describe('web phonebook', () => {
  let radicale: RadicaleLab;
  test.beforeAll(async () => {
    radicale = await startRadicale();
  });
  test.afterAll(async () => {
    await radicale?.dispose();
  });

  test('a 100 kB hostile FN on a web phonebook card names the caller as inert, stripped, capped text', async ({ phoneFor, lab }) => {
    const unit = '<img src=x onerror=window.__pwned=9>\u202E\u200B\u0007 ';
    const fn = `<script>window.__pwned=10</script>\u202Egnp.exe ${unit.repeat(Math.ceil(100_000 / unit.length))}`.slice(0, 100_000);
    expect(fn.length).toBe(100_000);
    const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;');
    const card = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:hostile-1009', `FN:${escape(fn)}`, `N:${escape(fn.slice(0, 50_000))};;;;`, `ORG:${escape(fn)}`, 'TEL;TYPE=WORK:1009', 'END:VCARD', ''].join('\r\n');
    await radicale.putCard('alice', 'hostile-1009', card);

    const app = await phoneFor('1001', { platform: 'win32' });
    const errors: string[] = [];
    await expectRegistered(app.page);
    await armTripwires(app, errors);
    const baseline = await elementCount(app);
    app.services.settings.saveWebPhonebook({
      settings: { enabled: true, loginId: 'alice', server: radicale.host, ssl: false, caCertPem: '', caCertSubject: '', addressBooks: [], syncIntervalMin: 60, webPageUrl: '', uploadUrl: '' },
      password: 'alicepass',
    });
    await expect.poll(() => app.services.webPhonebook.state().last?.ok ?? null).toBe(true);
    const cached = app.services.webPhonebook.lookupCached('1009');
    expect(cached).not.toBeNull();

    const caller = await RawCaller.open(lab, { user: '1009', password: 'pass1009' });
    try {
      const call = caller.invite({ to: '1001', fromDisplay: quoteDisplayName('Plain Caller') });
      await call.waitForStatus(180);
      await expect(app.page.getByTestId('call-status')).toHaveText('着信中');
      // The card's name wins over what the caller claims, once the lookup answers.
      await expect.poll(async () => (await remoteName(app))?.text ?? '').toMatch(/^<script>window\.__pwned=10<\/script>gnp\.exe /);
      const shown = (await remoteName(app))!;
      expect(shown.text).toBe(cached!.name);
      expect(shown.children).toBe(0);
      expect(BIDI.test(shown.text)).toBe(false);
      expect(FORMAT.test(shown.text)).toBe(false);
      expect(CONTROL.test(shown.text)).toBe(false);
      // web-card.ts caps a card's text at 128 code points, the last one an ellipsis.
      expect(codePoints(shown.text)).toBeLessThanOrEqual(CARD_TEXT_MAX);
      expect(shown.text.endsWith('…')).toBe(true);
      await expectInert(app, baseline);

      // The notification went up with the claimed name, then again with the card's.
      await expect.poll(() => app.desktop.notifications.filter((n) => n.content.title.startsWith('着信: ＜script') || n.content.title.startsWith('着信: <script')).length).toBe(1);
      for (const n of app.desktop.notifications) expectSafeNotification(n, 'win32');
      const named = app.desktop.notifications.at(-1)!;
      expect(named.content.title.endsWith('…')).toBe(true);
      expect(named.content.toastXml).toContain('<text>着信: &lt;script&gt;window.__pwned=10&lt;/script&gt;gnp.exe ');
      expectSafeTray(app);

      expect((await call.cancel()).status).toBe(487);
      await expect(app.page.getByTestId('call-status')).toHaveText('待機中');
      await expect.poll(() => app.desktop.notifications.filter((n) => n.content.title.startsWith('不在着信')).length).toBe(1);
      // The missed call is told with the card's name too, cut to one field.
      const missed = app.desktop.notifications.at(-1)!;
      expect(missed.content.title).toMatch(/^不在着信: <script>window\.__pwned=10<\/script>gnp\.exe .*…$/u);
      expect(missed.content.title.length).toBeLessThanOrEqual('不在着信: '.length + LIMITS.field);
      for (const n of app.desktop.notifications) expectSafeNotification(n, 'win32');
      expectSafeTray(app);
      await expectInert(app, baseline);
      expect(errors).toEqual([]);
    } finally {
      await caller.close();
    }
  });
});

test('the caps asserted above are the sanitisers\' own', () => {
  expect(MAX_REMOTE_TEXT).toBe(SCREEN_MAX);
  expect(NOTIFICATION_LIMITS).toEqual(LIMITS);
  expect(TRAY_TOOLTIP_MAX).toBe(TOOLTIP_MAX);
});
