// The bridge contract: every channel between the main process and the renderer, with the zod
// schema of what travels on it. Main, preload and renderer all derive their types from here, so
// there is no hand-written twin to drift. This file imports nothing but zod: it is loaded by the
// main process (Node), the sandboxed preload and the page alike (lint enforces it).
import { z } from 'zod';

// zod 4 compiles fast paths with `new Function`. The page runs under a CSP without
// 'unsafe-eval' (injected script must not be able to eval either), so validate without JIT.
z.config({ jitless: true });

// ---------------------------------------------------------------------------------------------
// Shared value schemas. Validation messages are i18n keys: the renderer translates them, so a
// user sees 「WebSocketサーバーは wss:// で始まる必要があります」 rather than a zod sentence.

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** `wss://` anywhere; `ws://` only on loopback, because plain WS would send SIP digests and
 *  call metadata in clear over a real network. */
export const WsServerUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    if (url.username || url.password) return false;
    if (url.protocol === 'wss:') return true;
    return url.protocol === 'ws:' && LOOPBACK_HOSTS.has(url.hostname);
  }, 'validation.wsServer');

/** A SIP user part / extension as PBX portals hand them out. Deliberately narrower than RFC 3261
 *  so that nothing needing escaping reaches a SIP URI or a log line. */
const SipUser = z.string().trim().min(1, 'validation.required').max(64).regex(/^[A-Za-z0-9._~+*#-]+$/, 'validation.sipUser');

const SipDomain = z
  .string()
  .trim()
  .min(1, 'validation.required')
  .max(253)
  .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^\d{1,3}(?:\.\d{1,3}){3}$/, 'validation.domain');

const OutboundProxy = z
  .string()
  .trim()
  .max(512)
  .regex(/^$|^sips?:[A-Za-z0-9.\-[\]:;=~_]+$/, 'validation.outboundProxy');

/** Free text shown to people (display names, service codes): no control characters. */
const PlainText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'validation.tooLong')
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'validation.controlChars');

export const AccountSettings = z.strictObject({
  user: SipUser,
  /** Digest user; empty means "same as user". */
  authorizationUser: z.union([z.literal(''), SipUser]),
  domain: SipDomain,
  wsServer: WsServerUrl,
  outboundProxy: OutboundProxy,
  displayName: PlainText(64),
  /** Tenant / service code some cloud PBXs ask for (CloudPhone Biz "サービスコード"). */
  serviceCode: PlainText(32),
  /** How keypad digits reach the far end in a call: RTP telephone-event (RFC 4733) where
   *  negotiated, or always SIP INFO for gateways that mishandle Chrome's events. Absent = rfc4733
   *  (accounts stored before this setting existed). */
  dtmfMode: z.enum(['rfc4733', 'info']).optional(),
  /** Seconds between keepalives that prove the connection is alive (OPTIONS); 0 = none.
   *  Absent = 30, below the usual 60 s NAT and proxy idle timeouts. */
  keepaliveSec: z.number().int().min(0, 'validation.keepalive').max(3600, 'validation.keepalive').optional(),
});
export type AccountSettings = z.infer<typeof AccountSettings>;

/** Our own id for a stored account (main makes one, a UUID). Not a SIP identity: renaming the
 *  extension keeps the account's password and its line keys. */
export const AccountId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
export type AccountId = z.infer<typeof AccountId>;

/** "Any number of accounts" in practice: a business softphone rarely has more than a few lines,
 *  and a cap bounds the registrations one settings file can start. */
export const MAX_ACCOUNTS = 16;

export const AccountInput = z.strictObject({
  /** Omitted: a new account. */
  id: AccountId.optional(),
  /** Registered while enabled; several may be at once (CloudPhone Biz's "one active account"
   *  is enabling only one). Omitted: enabled. */
  enabled: z.boolean().optional(),
  account: AccountSettings,
  /** Omitted: keep the stored password. Present: replace it (empty string clears it). */
  password: z.string().max(256).optional(),
});
export type AccountInput = z.input<typeof AccountInput>;

/** A stored account as the page sees it: never its password, only whether one is stored. */
export const AccountView = z.strictObject({ id: AccountId, enabled: z.boolean(), account: AccountSettings, hasPassword: z.boolean() });
export type AccountView = z.infer<typeof AccountView>;

export const Language = z.enum(['system', 'ja', 'en']);
export type Language = z.infer<typeof Language>;

/** Electron accelerator ('' = none), e.g. 'CommandOrControl+Shift+A'. Kept to the characters
 *  accelerators use; main reports the ones the OS refused (taken by another app). */
const Accelerator = z.string().trim().max(64).regex(/^$|^[A-Za-z0-9+\-=[\];',./`\\ ]+$/, 'validation.accelerator');

export const ShortcutAction = z.enum(['answer', 'hangup', 'mute', 'focusDialer']);
export type ShortcutAction = z.infer<typeof ShortcutAction>;

export const DesktopPreferences = z.strictObject({
  /** A clicked tel:/sip: link dials at once instead of only filling the keypad (NTT app: off). */
  dialImmediately: z.boolean(),
  /** Closing the window hides it to the tray: the phone keeps ringing. */
  closeToTray: z.boolean(),
  startMinimized: z.boolean(),
  startAtLogin: z.boolean(),
  /** Bring the window forward on an incoming call. Off by default: no focus stealing. */
  bringToFrontOnRing: z.boolean(),
  /** Do not disturb: incoming calls are declined as busy, the tray shows it. */
  doNotDisturb: z.boolean(),
  /** Ask 「〇〇に発信しますか?」 before calling from the phonebook or history. */
  confirmBeforeDial: z.boolean(),
  shortcuts: z.strictObject({ answer: Accelerator, hangup: Accelerator, mute: Accelerator, focusDialer: Accelerator }),
});
export type DesktopPreferences = z.infer<typeof DesktopPreferences>;

export const DEFAULT_DESKTOP_PREFERENCES: DesktopPreferences = {
  dialImmediately: false,
  closeToTray: true,
  startMinimized: false,
  startAtLogin: false,
  bringToFrontOnRing: false,
  doNotDisturb: false,
  confirmBeforeDial: true,
  shortcuts: { answer: '', hangup: '', mute: '', focusDialer: '' },
};

// ---------------------------------------------------------------------------------------------
// The phone's buttons (外線パッド, ワンタッチ, パーク保留, BLF, ピックアップ, 留守電). Their codes are
// PBX-dependent, so every one is configurable; only what a dial string may hold is accepted.

/** A feature code or number as dialled: digits, *, # and a leading +; '' = not set. */
const DialCode = z.string().trim().max(32, 'validation.tooLong').regex(/^\+?[0-9*#]*$/, 'validation.dialCode');
const RequiredDialCode = DialCode.pipe(z.string().min(1, 'validation.required'));
const ButtonLabel = PlainText(24);

export const LineKey = z.strictObject({
  label: ButtonLabel.pipe(z.string().min(1, 'validation.required')),
  /** Dialled in front of the number: an outside-line or line-selection code ('0', '184', …). */
  prefix: DialCode,
  /** Caller ID to present on this line (P-Preferred-Identity), a number or extension; '' none. */
  identity: DialCode,
  /** The account this line calls from; '' or absent = the account chosen beside the keypad. */
  account: z.union([z.literal(''), AccountId]).optional(),
});
export type LineKey = z.infer<typeof LineKey>;

export const OneTouchKey = z.strictObject({ label: ButtonLabel.pipe(z.string().min(1, 'validation.required')), number: RequiredDialCode });
export type OneTouchKey = z.infer<typeof OneTouchKey>;

export const ParkSlot = z.strictObject({
  label: ButtonLabel,
  /** Where a call is transferred to park it in this slot. */
  parkCode: RequiredDialCode,
  /** What is dialled to take the parked call back. */
  retrieveCode: RequiredDialCode,
  /** The extension whose dialog state lights the lamp (the slot's orbit). */
  watch: RequiredDialCode,
});
export type ParkSlot = z.infer<typeof ParkSlot>;

export const BlfKey = z.strictObject({ label: ButtonLabel, extension: RequiredDialCode });
export type BlfKey = z.infer<typeof BlfKey>;

export const CallButtons = z.strictObject({
  lines: z.array(LineKey).max(8),
  oneTouch: z.array(OneTouchKey).max(24),
  park: z.array(ParkSlot).length(6),
  blf: z.array(BlfKey).max(24),
  pickup: z.strictObject({
    /** Directed pickup of a ringing colleague: this code + their extension ('' = the PBX has none). */
    directedPrefix: DialCode,
    /** Group pickup: the code alone. */
    group: DialCode,
  }),
  voicemail: z.strictObject({
    /** 留守電開始: this code + our extension. */
    startPrefix: DialCode,
    /** 留守電終了. */
    stop: DialCode,
    /** 留守電状態: this code + our extension. */
    statusPrefix: DialCode,
  }),
});
export type CallButtons = z.infer<typeof CallButtons>;

/**
 * Defaults for a PBX that parks on orbits 701–706 (park by transferring to the orbit, retrieve by
 * calling it) and uses the common feature codes. Every value is the user's to change.
 */
export const DEFAULT_CALL_BUTTONS: CallButtons = {
  lines: [],
  oneTouch: [],
  park: [1, 2, 3, 4, 5, 6].map((n) => ({ label: '', parkCode: `70${n}`, retrieveCode: `70${n}`, watch: `70${n}` })),
  blf: [],
  pickup: { directedPrefix: '**', group: '*8' },
  voicemail: { startPrefix: '*71', stop: '*72', statusPrefix: '*73' },
};

// ---------------------------------------------------------------------------------------------
// The web phonebook (Web電話帳): a company CardDAV server, cached in main.

/** `https://…` (validated by URL); plain `http://` only on loopback (a test lab, a local relay). */
const HttpsUrl = (allowLoopbackHttp: boolean) =>
  z
    .string()
    .trim()
    .max(2048)
    .refine((value) => {
      if (value === '') return true;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return false;
      }
      if (url.username || url.password) return false;
      if (url.protocol === 'https:') return true;
      return allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
    }, 'validation.httpsUrl');

/** host[:port][/path] as the NTT app asks for it; the scheme comes from the SSL switch. */
const WebServerAddress = z
  .string()
  .trim()
  .max(512, 'validation.tooLong')
  .regex(/^$|^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?(?:\/[^\s?#\\]*)?$/, 'validation.webServer');

const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/;

/** The host part of host[:port][/path], IPv6 literals with their brackets ('[::1]'). */
function serverHost(server: string): string {
  return server.startsWith('[') ? server.replace(/\].*$/, ']') : server.replace(/[:/].*$/, '');
}

export const WebPhonebookSettings = z
  .strictObject({
    enabled: z.boolean(),
    loginId: PlainText(128),
    server: WebServerAddress,
    ssl: z.boolean(),
    /** PEM of a private root (or the server's own certificate) trusted for THIS server only;
     *  certificate checking is never turned off. '' = the system's roots. */
    caCertPem: z.string().max(65_536, 'validation.tooLong').refine((v) => v === '' || PEM_CERTIFICATE.test(v), 'validation.caCert'),
    /** The certificate's subject, shown beside the file button. */
    caCertSubject: z.string().max(512),
    /** Address books to sync (URLs); empty = all of them. */
    addressBooks: z.array(z.string().max(2048)).max(50),
    /** Minutes between background syncs; 0 = only on demand. */
    syncIntervalMin: z.number().int().min(0, 'validation.syncInterval').max(1440, 'validation.syncInterval'),
    /** The company web phonebook page the 電話帳／履歴 button opens (https only). */
    webPageUrl: HttpsUrl(false),
    /** Where ended calls are POSTed (発着信履歴のクラウド管理); '' = not uploaded. */
    uploadUrl: HttpsUrl(true),
  })
  .superRefine((value, ctx) => {
    if (!value.enabled) return;
    if (value.server === '') ctx.addIssue({ code: 'custom', path: ['server'], message: 'validation.required' });
    if (value.loginId === '') ctx.addIssue({ code: 'custom', path: ['loginId'], message: 'validation.required' });
    // Basic credentials and the company's address book must not cross a network in clear;
    // SSL off is for a server on this machine only (a lab, a local relay).
    if (!value.ssl && value.server !== '' && !LOOPBACK_HOSTS.has(serverHost(value.server))) {
      ctx.addIssue({ code: 'custom', path: ['ssl'], message: 'validation.webSslRequired' });
    }
  });
export type WebPhonebookSettings = z.infer<typeof WebPhonebookSettings>;

export const DEFAULT_WEB_PHONEBOOK: WebPhonebookSettings = {
  enabled: false,
  loginId: '',
  server: '',
  ssl: true,
  caCertPem: '',
  caCertSubject: '',
  addressBooks: [],
  syncIntervalMin: 60,
  webPageUrl: '',
  uploadUrl: '',
};

export const WebPhonebookInput = z.strictObject({
  settings: WebPhonebookSettings,
  /** Omitted: keep the stored password (only for the same server and login ID). */
  password: z.string().max(256).optional(),
});
export type WebPhonebookInput = z.input<typeof WebPhonebookInput>;

export const WebPhonebookErrorCode = z.enum(['invalid-config', 'auth', 'server-not-found', 'unreachable', 'tls', 'not-carddav', 'timeout', 'bad-response', 'server-error', 'no-password']);

export const WebPhonebookErrorView = z.strictObject({
  code: WebPhonebookErrorCode,
  status: z.number().int().nullable(),
  /** For 'tls': the subject of the certificate the server presented. */
  certificateSubject: z.string().max(512).nullable(),
});
export type WebPhonebookErrorView = z.infer<typeof WebPhonebookErrorView>;

export const WebConnectionResult = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), addressBooks: z.array(z.strictObject({ url: z.string().max(2048), displayName: z.string().max(256) })).max(200) }),
  z.strictObject({ ok: z.literal(false), error: WebPhonebookErrorView }),
]);
export type WebConnectionResult = z.infer<typeof WebConnectionResult>;

export const WebSyncState = z.strictObject({
  enabled: z.boolean(),
  syncing: z.boolean(),
  progress: z
    .strictObject({ phase: z.enum(['discover', 'list', 'fetch', 'done']), addressBook: z.string().max(256).nullable(), done: z.number().int(), total: z.number().int() })
    .nullable(),
  last: z
    .strictObject({
      at: z.number().int(),
      ok: z.boolean(),
      added: z.number().int(),
      updated: z.number().int(),
      deleted: z.number().int(),
      skipped: z.number().int(),
      error: WebPhonebookErrorView.nullable(),
    })
    .nullable(),
  cards: z.number().int(),
  addressBooks: z.array(z.strictObject({ displayName: z.string().max(256), cards: z.number().int(), syncedAt: z.number().int().nullable() })).max(200),
  nextSyncAt: z.number().int().nullable(),
  /** History records waiting for upload (0 when upload is off). */
  uploadPending: z.number().int(),
});
export type WebSyncState = z.infer<typeof WebSyncState>;

/** Who is calling, as found by main's lookup chain (personal phonebook → web cache → server). */
export const CallerIdentity = z.strictObject({
  callId: z.uuid(),
  source: z.enum(['personal', 'web']),
  name: z.string().max(256),
  company: z.string().max(256),
  /** A data: URL; null until (or unless) a photo is known. */
  photo: z.string().max(2_000_000).nullable(),
});
export type CallerIdentity = z.infer<typeof CallerIdentity>;


// ---------------------------------------------------------------------------------------------
// CTI pop-up (顧客情報表示・CTI連動) and call webhooks.

/** What a CTI URL template may contain; each value is URL-encoded when the template is filled. */
export const CTI_PLACEHOLDERS = ['number', 'name', 'called', 'line', 'direction', 'callId'] as const;
export type CtiPlaceholder = (typeof CTI_PLACEHOLDERS)[number];

/** Why a URL template is refused, as the i18n key shown under the field; null when it is fine. */
export function ctiTemplateProblem(template: string, allowLoopbackHttp: boolean): string | null {
  if (template === '') return null;
  const names = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
  if (names.some((name) => !(CTI_PLACEHOLDERS as readonly string[]).includes(name))) return 'validation.ctiPlaceholder';
  if (/[{}]/.test(template.replace(/\{[^{}]*\}/g, ''))) return 'validation.ctiPlaceholder';
  // A placeholder in the scheme or host would let a caller's name choose the site the browser
  // opens (and send the other values there): only the path, query and fragment may vary.
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(template)?.[0] ?? '';
  if (authority === '' || /[{}]/.test(authority)) return 'validation.ctiPlaceholderInHost';
  let url: URL;
  try {
    url = new URL(template.replace(/\{[^{}]*\}/g, 'x'));
  } catch {
    return 'validation.httpsUrl';
  }
  if (url.username || url.password) return 'validation.httpsUrl';
  if (url.protocol === 'https:') return null;
  return allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) ? null : 'validation.httpsUrl';
}

// https only, as the issue asks; http only for a CRM on this PC (a lab, a local relay).
const CtiUrlTemplate = z
  .string()
  .trim()
  .max(2048, 'validation.tooLong')
  .superRefine((value, ctx) => {
    const problem = ctiTemplateProblem(value, true);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const CtiButton = z.enum(['reception', 'customerList', 'linkedPhonebook']);
export type CtiButton = z.infer<typeof CtiButton>;
export const CtiEvent = z.enum(['ring', 'answer', 'end', 'missed', 'outgoing']);
export type CtiEvent = z.infer<typeof CtiEvent>;

export const CtiSettings = z.strictObject({
  enabled: z.boolean(),
  /** Open the caller-information panel when a call rings / is answered. */
  showOnRing: z.boolean(),
  showOnAnswer: z.boolean(),
  /** Calls from numbers of at most `internalMaxDigits` digits are extensions: no panel. */
  skipInternal: z.boolean(),
  internalMaxDigits: z.number().int().min(1).max(8),
  /** Open the 電話受付 URL in the browser by itself when a call rings. */
  autoOpenReception: z.boolean(),
  /** 電話受付, 顧客情報一覧, 連携先電話帳 (templates; '' = no button). */
  urls: z.strictObject({ reception: CtiUrlTemplate, customerList: CtiUrlTemplate, linkedPhonebook: CtiUrlTemplate }),
  /** A JSON POST per call event ('' = none); same https rule (no placeholders needed, but allowed). */
  webhooks: z.strictObject({ ring: CtiUrlTemplate, answer: CtiUrlTemplate, end: CtiUrlTemplate, missed: CtiUrlTemplate, outgoing: CtiUrlTemplate }),
});
export type CtiSettings = z.infer<typeof CtiSettings>;

export const DEFAULT_CTI: CtiSettings = {
  enabled: false,
  showOnRing: true,
  showOnAnswer: false,
  skipInternal: true,
  internalMaxDigits: 4,
  autoOpenReception: false,
  urls: { reception: '', customerList: '', linkedPhonebook: '' },
  webhooks: { ring: '', answer: '', end: '', missed: '', outgoing: '' },
};

/** The values a CTI button fills its template with (hostile caller text: main caps and encodes). */
export const CtiCallContext = z.strictObject({
  callId: z.uuid(),
  number: z.string().max(256),
  name: z.string().max(256),
  /** The local line that was called (着信先), `user@domain`. */
  called: z.string().max(320),
  /** The account's label (its display name or extension). */
  line: z.string().max(256),
  direction: z.enum(['outgoing', 'incoming']),
});
export type CtiCallContext = z.infer<typeof CtiCallContext>;

/** 前回通話: the last call with a number before this one, from our own history. */
export const LastCallView = z.strictObject({
  startedAt: z.number().int(),
  direction: z.enum(['outgoing', 'incoming']),
  kind: z.enum(['outgoing', 'incoming', 'missed', 'rejected']),
  /** Who took (or made) it: the local account `user@domain`. */
  localAccount: z.string(),
  durationSec: z.number().int().nullable(),
});
export type LastCallView = z.infer<typeof LastCallView>;

// ---------------------------------------------------------------------------------------------
// Audio devices (デバイス設定). Device ids are Chromium's per-origin opaque ids; the label is kept
// to say which device went missing and to find it again if its id changes.

export const AudioDeviceChoice = z.strictObject({
  /** '' = the system default. */
  id: z.string().max(256),
  label: z.string().max(256),
});
export type AudioDeviceChoice = z.infer<typeof AudioDeviceChoice>;

export const RINGTONES = ['classic', 'soft', 'digital'] as const;

export const AudioSettings = z.strictObject({
  microphone: AudioDeviceChoice,
  speaker: AudioDeviceChoice,
  /** Where the ring plays: e.g. the PC's speakers while calls use the headset. */
  ringer: AudioDeviceChoice,
  ringtone: z.enum(RINGTONES),
  /** 0–100 %. */
  ringVolume: z.number().int().min(0).max(100),
});
export type AudioSettings = z.infer<typeof AudioSettings>;

export const DEFAULT_AUDIO: AudioSettings = {
  microphone: { id: '', label: '' },
  speaker: { id: '', label: '' },
  ringer: { id: '', label: '' },
  ringtone: 'classic',
  ringVolume: 80,
};

// ---------------------------------------------------------------------------------------------
// Provisioning import: an account filled from a provider's sheet, a portal's CSV or a link.

export const ProvisioningField = z.enum(['user', 'authorizationUser', 'domain', 'wsServer', 'outboundProxy', 'displayName', 'serviceCode', 'password']);
export const ProvisioningRefusal = z.enum(['empty', 'too-large', 'no-account', 'conflict', 'invalid-field', 'malformed', 'unknown-parameter']);

/** One account read from the source, for the form to show before anything is saved. */
export const ProvisioningEntry = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    /** CSV: the line in the file; null for a sheet or a link. */
    row: z.number().int().nullable(),
    account: AccountSettings,
    /** The password on the sheet (the form fills its field; it is stored only when saved). */
    password: z.string().max(256).nullable(),
    /** Fields guessed rather than read (e.g. the WebSocket URL built from the server address). */
    derived: z.array(ProvisioningField).max(8),
  }),
  z.strictObject({
    ok: z.literal(false),
    row: z.number().int().nullable(),
    reason: ProvisioningRefusal,
    field: ProvisioningField.nullable(),
    /** validation.* key when a field failed the account schema. */
    issue: z.string().max(64).nullable(),
  }),
]);
export type ProvisioningEntry = z.infer<typeof ProvisioningEntry>;

export const ProvisioningParseResult = z.strictObject({
  entries: z.array(ProvisioningEntry).max(5000),
  /** For a whole-source refusal (empty, too large, not CSV at all). */
  refused: ProvisioningRefusal.nullable(),
});
export type ProvisioningParseResult = z.infer<typeof ProvisioningParseResult>;

export const SettingsView = z.strictObject({
  /** Every stored account, in the user's order; the first enabled one is the default line. */
  accounts: z.array(AccountView).max(MAX_ACCOUNTS),
  language: Language,
  /** BCP 47 tag of the OS locale, used when `language` is 'system'. */
  systemLocale: z.string().max(64),
  secretStorage: z.strictObject({
    /** Electron's safeStorage backend name (e.g. 'keychain', 'dpapi', 'gnome_libsecret', 'basic_text'). */
    backend: z.string().max(64),
    /** True when secrets are only obfuscated (Linux without a keyring): the UI warns. */
    weak: z.boolean(),
  }),
  /** Set once when the settings file was unreadable and was put aside: the UI tells the user. */
  recoveredFromCorruptFile: z.boolean(),
  /** Base name of the damaged history database kept aside at this start (a fresh one is in use), or null. */
  databaseRecoveredFrom: z.string().max(255).nullable(),
  desktop: DesktopPreferences,
  callButtons: CallButtons,
  webPhonebook: WebPhonebookSettings,
  hasWebPhonebookPassword: z.boolean(),
  cti: CtiSettings,
  audio: AudioSettings,
});
export type SettingsView = z.infer<typeof SettingsView>;

/** What the SIP engine needs to register; includes the password, so only this one verb carries it. */
export const SipCredentials = z.strictObject({
  id: AccountId,
  account: AccountSettings,
  password: z.string().max(256),
});
export type SipCredentials = z.infer<typeof SipCredentials>;

export const CallDirection = z.enum(['outgoing', 'incoming']);
export const CallOutcome = z.enum(['answered', 'missed', 'rejected', 'cancelled', 'failed']);
/** Outcomes as stored: the renderer reports the first five; 'interrupted' is set by main for a
 *  call that was still open when the app last stopped (crash, power loss). */
export const StoredCallOutcome = z.enum([...CallOutcome.options, 'interrupted']);

const CallId = z.uuid();
const RemoteText = z.string().max(256);

export const CallStarted = z.strictObject({
  callId: CallId,
  direction: CallDirection,
  remoteNumber: RemoteText,
  remoteName: RemoteText.nullable(),
  /** The local identity the call used (`user@domain`), for multi-account history. */
  localAccount: z.string().min(1).max(320),
  sipCallId: z.string().max(256).nullable(),
});
export type CallStarted = z.infer<typeof CallStarted>;

export const CallEnded = z.strictObject({
  callId: CallId,
  outcome: CallOutcome,
  /** Short machine-readable reason, e.g. 'sip:486', 'cancel', 'bye:remote'. */
  reason: z.string().max(64).nullable(),
});
export type CallEnded = z.infer<typeof CallEnded>;

export const HistoryEntry = z.strictObject({
  id: z.number().int(),
  callId: CallId,
  direction: CallDirection,
  /** null while the call is still going on. */
  outcome: StoredCallOutcome.nullable(),
  remoteNumber: z.string(),
  remoteName: z.string().nullable(),
  localAccount: z.string(),
  startedAt: z.number().int(),
  answeredAt: z.number().int().nullable(),
  endedAt: z.number().int().nullable(),
  /** Talk time in whole seconds (answer → end); null if never answered. */
  durationSec: z.number().int().nullable(),
  endReason: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** The four marks users know: 発信 / 着信 / 不在 / 拒否 (an interrupted incoming call is 着信). */
export const HistoryKind = z.enum(['outgoing', 'incoming', 'missed', 'rejected']);
export type HistoryKind = z.infer<typeof HistoryKind>;
/** The list's sortable columns: the number/name column, the talk-time column, the time column. */
export const HistorySort = z.enum(['time', 'number', 'duration']);
export type HistorySort = z.infer<typeof HistorySort>;

export const HistoryQuery = z.strictObject({
  /** Types to show; omitted or empty = all. */
  kinds: z.array(HistoryKind).max(4).optional(),
  /** Digits match the number (any format typed); anything else matches phonebook names. */
  search: z.string().max(64).optional(),
  sort: HistorySort,
  direction: z.enum(['asc', 'desc']),
  limit: z.number().int().min(1).max(500),
  /** Opaque keyset cursor from the previous page's `nextCursor`. */
  cursor: z.string().max(512).optional(),
});
export type HistoryQuery = z.input<typeof HistoryQuery>;

export const HistoryRow = HistoryEntry.extend({
  kind: HistoryKind,
  /** The phonebook name for the number, resolved when the page is read: renaming a contact
   *  renames their history. */
  contactName: z.string().nullable(),
});
export type HistoryRow = z.infer<typeof HistoryRow>;

export const HistoryPage = z.strictObject({ rows: z.array(HistoryRow), nextCursor: z.string().nullable() });
export type HistoryPage = z.infer<typeof HistoryPage>;

export const HistoryListRequest = z.strictObject({
  limit: z.number().int().min(1).max(500),
  /** Keyset cursor: the (startedAt, id) of the last row of the previous page. */
  before: z.strictObject({ startedAt: z.number().int(), id: z.number().int() }).optional(),
});
export type HistoryListRequest = z.input<typeof HistoryListRequest>;

// ---------------------------------------------------------------------------------------------
// Personal phonebook (個別電話帳).

export const ContactNumber = z.strictObject({
  /** 会社 / 携帯 / 内線 / 自宅 / FAX, or free text. */
  label: PlainText(32),
  /** As the user typed it, kept for display; matching uses a normalised copy stored in main. */
  number: z.string().trim().min(1, 'validation.required').max(64, 'validation.tooLong').regex(/^[0-9０-９+＋*＊#＃()（）\-‐‑‒–—―ー−－.．\s/]+$|^sips?:[^\s<>"]+$/, 'validation.phoneNumber'),
});
export type ContactNumber = z.infer<typeof ContactNumber>;

/** Inline photo as a data URL, capped so one contact cannot bloat the database. */
const PhotoDataUrl = z.string().max(280_000).regex(/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/, 'validation.photo');

// Built once: a schema made inside the refine would be rebuilt for every row of a 100,000-row
// import (about a second of the import's time).
const EmailAddress = z.email();

export const ContactInput = z.strictObject({
  name: PlainText(128).pipe(z.string().min(1, 'validation.required')),
  /** Reading (フリガナ), hiragana or katakana. */
  kana: PlainText(128),
  company: PlainText(128),
  department: PlainText(128),
  numbers: z.array(ContactNumber).max(10),
  // Empty, or an address. (A union would report zod's generic message, not our key.)
  email: z.string().trim().max(254, 'validation.tooLong').refine((v) => v === '' || EmailAddress.safeParse(v).success, 'validation.email'),
  notes: z.string().max(2000, 'validation.tooLong'),
  favourite: z.boolean(),
  photo: PhotoDataUrl.nullable(),
});
export type ContactInput = z.infer<typeof ContactInput>;

export const Contact = ContactInput.extend({ id: z.number().int(), updatedAt: z.number().int() });
export type Contact = z.infer<typeof Contact>;

/** A row of the phonebook list or search results: no photo bytes, no notes (fetched on open). */
export const ContactSummary = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  kana: z.string(),
  company: z.string(),
  department: z.string(),
  favourite: z.boolean(),
  hasPhoto: z.boolean(),
  /** The list's keyset cursor component (folded reading). */
  sortKey: z.string(),
  numbers: z.array(z.strictObject({ label: z.string(), number: z.string() })),
});
export type ContactSummary = z.infer<typeof ContactSummary>;

/** A row of the (read-only) web phonebook list: a contact summary without the personal
 *  phonebook's favourite and cursor, with the address book it came from. */
export const WebContactSummary = ContactSummary.omit({ favourite: true, sortKey: true }).extend({ addressBook: z.string() });
export type WebContactSummary = z.infer<typeof WebContactSummary>;

export const ContactMatch = z.strictObject({ id: z.number().int(), name: z.string(), photo: z.string().nullable() });
export type ContactMatch = z.infer<typeof ContactMatch>;

const ContactId = z.number().int().positive();

/** What the user sees before an import is applied: counts, a sample, and every rejected row
 *  with its reason. Nothing is written until they confirm (all or nothing). */
export const ImportPreviewView = z.strictObject({
  token: z.uuid(),
  fileName: z.string().max(260),
  format: z.enum(['csv', 'vcard']),
  encoding: z.enum(['utf-8', 'shift_jis']),
  totalRows: z.number().int(),
  acceptedCount: z.number().int(),
  sample: z.array(z.strictObject({ name: z.string(), kana: z.string(), company: z.string(), numbers: z.array(z.string()) })).max(20),
  rejected: z.array(z.strictObject({ line: z.number().int(), reason: z.string().max(64), detail: z.string().max(300).optional() })).max(200),
  rejectedCount: z.number().int(),
  ignoredColumns: z.array(z.string().max(128)).max(100),
});
export type ImportPreviewView = z.infer<typeof ImportPreviewView>;

export const ExportFormat = z.enum(['csv-utf8', 'csv-sjis', 'vcard-3', 'vcard-4']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const DialRequest = z.strictObject({
  /** Already-validated dial string or SIP URI. */
  target: z.string().min(1).max(256),
  /** Dial at once (a setting) rather than just filling the keypad. */
  dialImmediately: z.boolean(),
});
export type DialRequest = z.infer<typeof DialRequest>;

/** What the renderer's phone is doing, reported to main for the tray, notifications and the
 *  missed-call badge. Caller text is hostile: main sanitises it again before any OS surface. */
export const PhoneStatus = z.strictObject({
  /** Every enabled account with its own lamp (the tray shows each). */
  accounts: z
    .array(
      z.strictObject({
        id: AccountId,
        /** `user@domain`. */
        account: z.string().max(320),
        /** What the user calls this line (display name or extension). */
        label: z.string().max(256),
        registration: z.enum(['unregistered', 'registering', 'registered', 'failed']),
        failure: z.enum(['auth', 'unreachable', 'rejected']).nullable(),
      }),
    )
    .max(MAX_ACCOUNTS),
  phase: z.enum(['idle', 'calling', 'ringing', 'in-call', 'ending']),
  call: z
    .strictObject({
      callId: CallId,
      direction: CallDirection,
      remoteNumber: RemoteText,
      remoteName: RemoteText.nullable(),
      /** The local line that was called (着信先). */
      calledLine: z.string().max(320).nullable(),
    })
    .nullable(),
});
export type PhoneStatus = z.infer<typeof PhoneStatus>;

export const CallCommand = z.strictObject({
  command: z.enum(['answer', 'reject', 'hangup', 'toggle-mute', 'focus-dialer']),
  /** When set, the command applies only if this is still the current call (a late click on an
   *  old notification must not answer a newer call). */
  callId: CallId.nullable(),
});
export type CallCommand = z.infer<typeof CallCommand>;

export const DesktopStatus = z.strictObject({
  /** Shortcuts the OS refused because another application holds them. */
  shortcutConflicts: z.array(ShortcutAction),
});
export type DesktopStatus = z.infer<typeof DesktopStatus>;

// ---------------------------------------------------------------------------------------------
// Channels. Names carry a `tsunagu:` prefix so they can never collide with Electron's own.

/** Renderer → main calls, each answered with a `BridgeResult` of its response. */
export const invokeContract = {
  'tsunagu:settings:get': { request: z.undefined(), response: SettingsView },
  'tsunagu:settings:save-account': { request: AccountInput, response: SettingsView },
  'tsunagu:settings:delete-account': { request: z.strictObject({ id: AccountId }), response: SettingsView },
  /** Reorders accounts (the first enabled one is the default line): every id exactly once. */
  'tsunagu:settings:order-accounts': { request: z.strictObject({ ids: z.array(AccountId).max(MAX_ACCOUNTS) }), response: SettingsView },
  'tsunagu:settings:set-cti': { request: CtiSettings, response: SettingsView },
  /** Reads pasted provisioning text (a sheet, or CSV rows); nothing is saved. */
  'tsunagu:settings:parse-provisioning': { request: z.strictObject({ format: z.enum(['sheet', 'csv']), text: z.string().max(1_048_576) }), response: ProvisioningParseResult },
  /** Main shows the open dialog for a provisioning CSV (UTF-8 or Shift_JIS) and reads it; null if cancelled. */
  'tsunagu:settings:choose-provisioning-file': { request: z.undefined(), response: ProvisioningParseResult.nullable() },
  'tsunagu:settings:set-audio': { request: AudioSettings, response: SettingsView },
  'tsunagu:settings:set-language': { request: Language, response: SettingsView },
  'tsunagu:settings:set-desktop': { request: DesktopPreferences, response: SettingsView },
  'tsunagu:settings:set-call-buttons': { request: CallButtons, response: SettingsView },
  /** Every enabled account with its password, for the SIP engines. */
  'tsunagu:phone:get-credentials': { request: z.undefined(), response: z.array(SipCredentials).max(MAX_ACCOUNTS) },
  'tsunagu:phone:report-status': { request: PhoneStatus, response: z.undefined() },
  /** The page has subscribed to events: main may deliver what it queued (e.g. clicked links). */
  'tsunagu:app:renderer-ready': { request: z.undefined(), response: z.undefined() },
  'tsunagu:desktop:get-status': { request: z.undefined(), response: DesktopStatus },
  'tsunagu:history:call-started': { request: CallStarted, response: z.undefined() },
  'tsunagu:history:call-answered': { request: z.strictObject({ callId: CallId }), response: z.undefined() },
  'tsunagu:history:call-ended': { request: CallEnded, response: z.undefined() },
  'tsunagu:history:list': { request: HistoryListRequest, response: z.array(HistoryEntry) },
  /** The history list: filter × sort × search, keyset-paged. */
  'tsunagu:history:query': { request: HistoryQuery, response: HistoryPage },
  'tsunagu:history:delete': { request: z.strictObject({ ids: z.array(z.number().int().positive()).min(1).max(500) }), response: z.strictObject({ deleted: z.number().int() }) },
  /** Main shows the save dialog and writes the rows the query selects as CSV. */
  'tsunagu:history:export': { request: HistoryQuery.omit({ cursor: true, limit: true }), response: z.strictObject({ saved: z.boolean(), count: z.number().int() }) },
  'tsunagu:contacts:list': {
    request: z.strictObject({
      limit: z.number().int().min(1).max(500),
      after: z.strictObject({ favourite: z.boolean(), sortKey: z.string().max(512), id: ContactId }).optional(),
    }),
    response: z.array(ContactSummary),
  },
  'tsunagu:contacts:search': {
    request: z.strictObject({ query: z.string().max(128), limit: z.number().int().min(1).max(500) }),
    response: z.array(ContactSummary),
  },
  'tsunagu:contacts:get': { request: z.strictObject({ id: ContactId }), response: Contact },
  'tsunagu:contacts:create': { request: ContactInput, response: Contact },
  'tsunagu:contacts:update': { request: z.strictObject({ id: ContactId, contact: ContactInput }), response: Contact },
  'tsunagu:contacts:delete': { request: z.strictObject({ id: ContactId }), response: z.undefined() },
  /** Main shows the OS file dialog (the page never names a path) and previews the file; null if cancelled. */
  'tsunagu:contacts:import-choose': { request: z.undefined(), response: ImportPreviewView.nullable() },
  'tsunagu:contacts:import-apply': { request: z.strictObject({ token: z.uuid() }), response: z.strictObject({ added: z.number().int() }) },
  /** Main shows the save dialog and writes the file; saved false if cancelled. */
  'tsunagu:contacts:export': { request: z.strictObject({ format: ExportFormat }), response: z.strictObject({ saved: z.boolean(), count: z.number().int() }) },
  /** Who is calling: the stored contact for a remote number (SIP user part, tel: URI, digits). */
  'tsunagu:contacts:lookup': { request: z.strictObject({ number: z.string().max(512) }), response: ContactMatch.nullable() },
  /** An incoming call rings: main runs the lookup chain and answers with caller-identified
   *  events (name first, then the photo) as each source answers. Never delays the ring. */
  'tsunagu:contacts:identify-caller': { request: z.strictObject({ callId: CallId, number: z.string().max(512) }), response: z.undefined() },
  'tsunagu:webphonebook:save': { request: WebPhonebookInput, response: SettingsView },
  /** The 接続 button: discovery with the typed settings (not saved). */
  'tsunagu:webphonebook:test': { request: WebPhonebookInput, response: WebConnectionResult },
  /** Main shows the open dialog for a CA certificate file and checks it; null if cancelled. */
  'tsunagu:webphonebook:choose-ca-cert': { request: z.undefined(), response: z.strictObject({ pem: z.string(), subject: z.string() }).nullable() },
  /** Sync now; answers when it has finished (progress arrives as web-phonebook-state events). */
  'tsunagu:webphonebook:sync': { request: z.undefined(), response: WebSyncState },
  'tsunagu:webphonebook:state': { request: z.undefined(), response: WebSyncState },
  'tsunagu:webphonebook:search': { request: z.strictObject({ query: z.string().max(128), limit: z.number().int().min(1).max(500) }), response: z.array(WebContactSummary) },
  /** The 電話帳／履歴 button: the configured page in the default browser. */
  'tsunagu:webphonebook:open-page': { request: z.undefined(), response: z.strictObject({ opened: z.boolean() }) },
  /** 前回通話 for the CTI panel: the last call with this number that is not `exceptCallId`. */
  'tsunagu:cti:last-call': { request: z.strictObject({ number: z.string().max(512), exceptCallId: CallId.optional() }), response: LastCallView.nullable() },
  /** A CTI button: main fills the saved template with the encoded values and opens the browser. */
  'tsunagu:cti:open': { request: z.strictObject({ button: CtiButton, call: CtiCallContext }), response: z.strictObject({ opened: z.boolean() }) },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

/** Main → renderer notifications. */
export const eventContract = {
  'tsunagu:event:dial-request': DialRequest,
  /** A tsunagu://provision link was clicked: the settings form shows it for confirmation. */
  'tsunagu:event:provision-request': ProvisioningEntry,
  'tsunagu:event:settings-changed': SettingsView,
  'tsunagu:event:call-command': CallCommand,
  'tsunagu:event:desktop-status': DesktopStatus,
  /** The OS resumed from sleep or the screen was unlocked: the network may have changed. */
  'tsunagu:event:connectivity-check': z.strictObject({ cause: z.enum(['resume', 'unlock']) }),
  'tsunagu:event:caller-identified': CallerIdentity,
  'tsunagu:event:web-phonebook-state': WebSyncState,
} as const satisfies Record<string, z.ZodType>;

export type InvokeChannel = keyof typeof invokeContract;
export type EventChannel = keyof typeof eventContract;
/** What the renderer sends (before parsing/defaults). */
export type RequestOf<C extends InvokeChannel> = z.input<(typeof invokeContract)[C]['request']>;
/** What the handler receives (after parsing). */
export type ParsedRequestOf<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['request']>;
export type ResponseOf<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['response']>;
export type EventPayloadOf<E extends EventChannel> = z.output<(typeof eventContract)[E]>;

export const invokeChannels = Object.keys(invokeContract) as InvokeChannel[];
export const eventChannels = Object.keys(eventContract) as EventChannel[];

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(invokeContract, name);
}

// ---------------------------------------------------------------------------------------------
// Results. Errors cross the bridge as data, not exceptions: contextBridge keeps only an Error's
// message, and the renderer needs the code to show a translated, specific message.

export const BridgeErrorCode = z.enum([
  'unknown-channel',
  'forbidden-sender',
  'invalid-payload',
  'not-found',
  'secret-storage-unavailable',
  /** A file is larger than we accept, or cannot be read or written. */
  'file-too-large',
  'file-error',
  /** Some names cannot be written in Shift_JIS: export as UTF-8 instead. */
  'unencodable',
  /** The chosen file is not a PEM/DER X.509 certificate. */
  'invalid-certificate',
  'internal',
]);
export type BridgeErrorCode = z.infer<typeof BridgeErrorCode>;

export interface BridgeIssue {
  /** Dotted path into the payload, e.g. 'account.wsServer'. */
  path: string;
  /** An i18n key (validation.*) or, for non-user fields, zod's own message. */
  message: string;
}

export interface BridgeError {
  code: BridgeErrorCode;
  /** English, for logs and developers; the UI translates `code` and `issues` instead. */
  message: string;
  issues?: BridgeIssue[];
}

export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };
