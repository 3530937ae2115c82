// From the values an importer read to a draft account, shared by the sheet, CSV and link
// parsers so all three apply one set of rules. The values came from a stranger's text: each is
// width-folded and trimmed and otherwise taken as written — a value that does not validate is
// refused with its field, never repaired or dropped, because a "fixed" server address or user is
// how a phone quietly registers somewhere it should not.

import { AccountSettings } from '../../src-preload/contract';
import { FORBIDDEN, MAX_IGNORED_LABELS } from './labels';
import { type ProvisioningField, type ProvisioningRefusal, type ProvisioningResult } from './types';

/** The contract's limit for a stored password (AccountInput), in UTF-16 code units like zod. */
export const MAX_PASSWORD_LENGTH = 256;

/** Fixed order, so that when several fields are wrong the same one is reported every time. */
const FIELDS: readonly ProvisioningField[] = ['user', 'authorizationUser', 'domain', 'wsServer', 'outboundProxy', 'displayName', 'serviceCode', 'password'];

/** The contract's message for a field whose characters we refuse before it is even parsed. */
const CHARACTER_ISSUE: Readonly<Record<ProvisioningField, string>> = {
  user: 'validation.sipUser',
  authorizationUser: 'validation.sipUser',
  domain: 'validation.domain',
  wsServer: 'validation.wsServer',
  outboundProxy: 'validation.outboundProxy',
  displayName: 'validation.controlChars',
  serviceCode: 'validation.controlChars',
  password: 'validation.controlChars',
};

const WS_URL = /^wss?:\/\//i;
const SIP_SCHEME = /^sips?:(?!\/\/)/i;
const HOST_PORT = /^([^:]*)(?::([0-9]{1,5}))?$/;

/** A server address written as the WebSocket URL is kept apart from host-name server addresses:
 *  `SIPドメイン：example.jp` and `サーバアドレス：wss://gw.example.jp/ws` on one sheet agree. */
type Slot = ProvisioningField | 'serverUrl';

/** Values read so far, one per field; a second, different value for a field is a conflict. */
export class FieldValues {
  private readonly values = new Map<Slot, string>();
  private firstConflict: ProvisioningField | null = null;

  /** Width folding (NFKC) and trimming are the only changes made to a value — except for the
   *  password, which is only trimmed: ＡＢＣ and ABC are different passwords. An empty value
   *  counts as absent. */
  add(field: ProvisioningField, raw: string): void {
    const value = field === 'password' ? raw.trim() : raw.normalize('NFKC').trim();
    if (value === '') return;
    const slot: Slot = field === 'domain' && WS_URL.test(value) ? 'serverUrl' : field;
    const existing = this.values.get(slot);
    if (existing === undefined) this.values.set(slot, value);
    else if (!sameValue(field, existing, value)) this.firstConflict ??= field;
  }

  get(slot: Slot): string | undefined {
    return this.values.get(slot);
  }

  get conflict(): ProvisioningField | null {
    return this.firstConflict;
  }
}

function sameValue(field: ProvisioningField, a: string, b: string): boolean {
  // Host names are case-insensitive; everything else (SIP user parts included) is compared as written.
  return field === 'domain' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function refuse(reason: ProvisioningRefusal, field?: ProvisioningField, issue?: string): ProvisioningResult {
  return { ok: false, reason, ...(field === undefined ? {} : { field }), ...(issue === undefined ? {} : { issue }) };
}

/** host[:port] (optionally written as sip:/sips: URI). The host is lower-cased, the port kept
 *  only for deriving the WebSocket URL. null when it is not of that shape. */
function parseServerAddress(value: string): { host: string; port: string | null } | null {
  const match = HOST_PORT.exec(value.replace(SIP_SCHEME, ''));
  if (match === null) return null;
  const port = match[2];
  if (port === undefined) return { host: (match[1] ?? '').toLowerCase(), port: null };
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535) return null;
  return { host: (match[1] ?? '').toLowerCase(), port: String(portNumber) };
}

function isProvisioningField(key: unknown): key is ProvisioningField {
  return typeof key === 'string' && (FIELDS as readonly string[]).includes(key);
}

/**
 * The draft for what was read, or the first reason it cannot be one. `ignoredLabels` must already
 * be sanitised (labels.ts); any that contains the password is left out.
 */
export function buildDraft(values: FieldValues, ignoredLabels: readonly string[]): ProvisioningResult {
  if (values.conflict !== null) return refuse('conflict', values.conflict);
  for (const field of FIELDS) {
    const value = values.get(field);
    if (value !== undefined && FORBIDDEN.test(value)) return refuse('invalid-field', field, CHARACTER_ISSUE[field]);
  }
  const password = values.get('password') ?? null;
  if (password !== null && password.length > MAX_PASSWORD_LENGTH) return refuse('invalid-field', 'password', 'validation.tooLong');

  const derived: ProvisioningField[] = [];
  let user = values.get('user');
  let wsServer = values.get('wsServer');
  let domain: string | undefined;
  let port: string | null = null;

  // `1001@pbx.example.jp` (or `sip:1001@…`) in the user field names the domain too.
  let userDomain: string | undefined;
  if (user?.includes('@')) {
    const bare = user.replace(SIP_SCHEME, '');
    const at = bare.indexOf('@');
    userDomain = bare.slice(at + 1).toLowerCase();
    user = bare.slice(0, at);
  }

  // The server address may itself be the WebSocket URL (WebRTC-first providers print only that):
  // it becomes wsServer, and its host the domain unless the domain is given some other way.
  let wsHost: string | undefined;
  const serverUrl = values.get('serverUrl');
  if (serverUrl !== undefined) {
    if (FORBIDDEN.test(serverUrl)) return refuse('invalid-field', 'wsServer', CHARACTER_ISSUE.wsServer);
    if (wsServer !== undefined && wsServer !== serverUrl) return refuse('conflict', 'wsServer');
    const url = URL.parse(serverUrl);
    if (url === null || url.hostname === '') return refuse('invalid-field', 'wsServer', 'validation.wsServer');
    wsServer = serverUrl;
    wsHost = url.hostname;
  }
  const server = values.get('domain');
  if (server !== undefined) {
    const address = parseServerAddress(server);
    if (address === null) return refuse('invalid-field', 'domain', 'validation.domain');
    domain = address.host;
    port = address.port;
  }
  if (userDomain !== undefined) {
    if (domain !== undefined && domain !== userDomain) return refuse('conflict', 'domain');
    domain ??= userDomain;
  }
  if (domain === undefined && wsHost !== undefined) {
    // A guess: the SIP domain of many hosted PBXs is the gateway's host, but not of all.
    domain = wsHost;
    derived.push('domain');
  }
  if (user === undefined || domain === undefined) return refuse('no-account');

  if (wsServer === undefined) {
    // ASSUMPTION about PBX WebRTC gateways: when the source gives no WebSocket URL, the gateway
    // is taken to be wss://<server address>[:<its port>]/ws — same host, the port printed with the
    // address (often really the SIP port, 5060/5061, so likely wrong when one is printed), and
    // the /ws path of Asterisk's built-in server and many hosted gateways. A guess, so it is listed
    // in `derived` and the UI asks the user to check it.
    wsServer = `wss://${domain}${port === null ? '' : `:${port}`}/ws`;
    derived.push('wsServer');
  }

  const parsed = AccountSettings.safeParse({
    user,
    authorizationUser: values.get('authorizationUser') ?? '',
    domain,
    wsServer,
    outboundProxy: values.get('outboundProxy') ?? '',
    displayName: values.get('displayName') ?? '',
    serviceCode: values.get('serviceCode') ?? '',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0];
    const field = isProvisioningField(key) ? key : undefined;
    const message = issue === undefined ? undefined : issue.message.startsWith('validation.') ? issue.message : issue.code === 'too_big' ? 'validation.tooLong' : undefined;
    return refuse('invalid-field', field, message);
  }

  return {
    ok: true,
    draft: {
      account: parsed.data,
      password,
      derived,
      ignoredLabels: ignoredLabels.filter((label) => password === null || !label.includes(password)).slice(0, MAX_IGNORED_LABELS),
    },
  };
}
