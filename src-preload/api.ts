// Builds the page's `window.tsunagu` API from the contract over any transport. In Electron the
// transport is ipcRenderer (see index.ts); in end-to-end tests it is a Playwright binding that
// calls the very same main-process dispatcher. The page cannot tell the two apart.
//
// Only intent-level verbs are exposed, never a generic `invoke(channel)`: a compromised page
// gets exactly these verbs and nothing it could point at another channel.
import {
  eventContract,
  invokeContract,
  type BridgeResult,
  type EventChannel,
  type EventPayloadOf,
  type InvokeChannel,
  type RequestOf,
  type ResponseOf,
} from './contract';

export interface BridgeTransport {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  /** Subscribes to a main → renderer event; returns the unsubscribe function. */
  on(channel: EventChannel, listener: (payload: unknown) => void): () => void;
}

export function createTsunaguApi(transport: BridgeTransport) {
  async function call<C extends InvokeChannel>(channel: C, request: RequestOf<C>): Promise<BridgeResult<ResponseOf<C>>> {
    // Validate here as well as in main: the page gets the same structured error at once, and
    // a malformed call never costs an IPC round trip. Main still re-validates (it trusts nobody).
    const parsed = invokeContract[channel].request.safeParse(request);
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'invalid-payload',
          message: `invalid payload for ${channel}`,
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      };
    }
    return (await transport.invoke(channel, parsed.data)) as BridgeResult<ResponseOf<C>>;
  }

  function subscribe<E extends EventChannel>(channel: E, listener: (payload: EventPayloadOf<E>) => void): () => void {
    return transport.on(channel, (payload) => {
      const parsed = eventContract[channel].safeParse(payload);
      if (parsed.success) listener(parsed.data as EventPayloadOf<E>);
    });
  }

  return Object.freeze({
    settings: Object.freeze({
      get: () => call('tsunagu:settings:get', undefined),
      saveAccount: (input: RequestOf<'tsunagu:settings:save-account'>) => call('tsunagu:settings:save-account', input),
      deleteAccount: (id: string) => call('tsunagu:settings:delete-account', { id }),
      orderAccounts: (ids: string[]) => call('tsunagu:settings:order-accounts', { ids }),
      setCti: (cti: RequestOf<'tsunagu:settings:set-cti'>) => call('tsunagu:settings:set-cti', cti),
      setAudio: (audio: RequestOf<'tsunagu:settings:set-audio'>) => call('tsunagu:settings:set-audio', audio),
      parseProvisioning: (format: 'sheet' | 'csv', text: string) => call('tsunagu:settings:parse-provisioning', { format, text }),
      chooseProvisioningFile: () => call('tsunagu:settings:choose-provisioning-file', undefined),
      setLanguage: (language: RequestOf<'tsunagu:settings:set-language'>) => call('tsunagu:settings:set-language', language),
      setDesktop: (preferences: RequestOf<'tsunagu:settings:set-desktop'>) => call('tsunagu:settings:set-desktop', preferences),
      setCallButtons: (buttons: RequestOf<'tsunagu:settings:set-call-buttons'>) => call('tsunagu:settings:set-call-buttons', buttons),
    }),
    phone: Object.freeze({
      getCredentials: () => call('tsunagu:phone:get-credentials', undefined),
      reportStatus: (status: RequestOf<'tsunagu:phone:report-status'>) => call('tsunagu:phone:report-status', status),
    }),
    contacts: Object.freeze({
      list: (request: RequestOf<'tsunagu:contacts:list'>) => call('tsunagu:contacts:list', request),
      search: (query: string, limit = 100) => call('tsunagu:contacts:search', { query, limit }),
      get: (id: number) => call('tsunagu:contacts:get', { id }),
      create: (contact: RequestOf<'tsunagu:contacts:create'>) => call('tsunagu:contacts:create', contact),
      update: (id: number, contact: RequestOf<'tsunagu:contacts:create'>) => call('tsunagu:contacts:update', { id, contact }),
      delete: (id: number) => call('tsunagu:contacts:delete', { id }),
      lookup: (number: string) => call('tsunagu:contacts:lookup', { number }),
      chooseImport: () => call('tsunagu:contacts:import-choose', undefined),
      applyImport: (token: string) => call('tsunagu:contacts:import-apply', { token }),
      export: (format: RequestOf<'tsunagu:contacts:export'>['format']) => call('tsunagu:contacts:export', { format }),
      /** Starts main's lookup chain for a ringing call; answers arrive through onCallerIdentified. */
      identifyCaller: (callId: string, number: string) => call('tsunagu:contacts:identify-caller', { callId, number }),
    }),
    webPhonebook: Object.freeze({
      save: (input: RequestOf<'tsunagu:webphonebook:save'>) => call('tsunagu:webphonebook:save', input),
      test: (input: RequestOf<'tsunagu:webphonebook:test'>) => call('tsunagu:webphonebook:test', input),
      chooseCaCertificate: () => call('tsunagu:webphonebook:choose-ca-cert', undefined),
      syncNow: () => call('tsunagu:webphonebook:sync', undefined),
      state: () => call('tsunagu:webphonebook:state', undefined),
      search: (query: string, limit = 100) => call('tsunagu:webphonebook:search', { query, limit }),
      openPage: () => call('tsunagu:webphonebook:open-page', undefined),
    }),
    cti: Object.freeze({
      /** 前回通話: the last call with this number (other than the ringing one). */
      lastCall: (number: string, exceptCallId?: string) => call('tsunagu:cti:last-call', exceptCallId === undefined ? { number } : { number, exceptCallId }),
      /** A CTI button: main fills the saved URL template and opens the default browser. */
      open: (button: RequestOf<'tsunagu:cti:open'>['button'], callContext: RequestOf<'tsunagu:cti:open'>['call']) => call('tsunagu:cti:open', { button, call: callContext }),
    }),
    app: Object.freeze({
      /** Call once the page has subscribed to events; main then delivers what it queued. */
      rendererReady: () => call('tsunagu:app:renderer-ready', undefined),
    }),
    desktop: Object.freeze({
      getStatus: () => call('tsunagu:desktop:get-status', undefined),
    }),
    history: Object.freeze({
      callStarted: (call_: RequestOf<'tsunagu:history:call-started'>) => call('tsunagu:history:call-started', call_),
      callAnswered: (callId: string) => call('tsunagu:history:call-answered', { callId }),
      callEnded: (ended: RequestOf<'tsunagu:history:call-ended'>) => call('tsunagu:history:call-ended', ended),
      list: (request: RequestOf<'tsunagu:history:list'>) => call('tsunagu:history:list', request),
      query: (query: RequestOf<'tsunagu:history:query'>) => call('tsunagu:history:query', query),
      delete: (ids: number[]) => call('tsunagu:history:delete', { ids }),
      export: (query: RequestOf<'tsunagu:history:export'>) => call('tsunagu:history:export', query),
    }),
    onDialRequest: (listener: (request: EventPayloadOf<'tsunagu:event:dial-request'>) => void) =>
      subscribe('tsunagu:event:dial-request', listener),
    onProvisionRequest: (listener: (entry: EventPayloadOf<'tsunagu:event:provision-request'>) => void) =>
      subscribe('tsunagu:event:provision-request', listener),
    onSettingsChanged: (listener: (settings: EventPayloadOf<'tsunagu:event:settings-changed'>) => void) =>
      subscribe('tsunagu:event:settings-changed', listener),
    onCallCommand: (listener: (command: EventPayloadOf<'tsunagu:event:call-command'>) => void) =>
      subscribe('tsunagu:event:call-command', listener),
    onDesktopStatus: (listener: (status: EventPayloadOf<'tsunagu:event:desktop-status'>) => void) =>
      subscribe('tsunagu:event:desktop-status', listener),
    onCallerIdentified: (listener: (identity: EventPayloadOf<'tsunagu:event:caller-identified'>) => void) =>
      subscribe('tsunagu:event:caller-identified', listener),
    onWebPhonebookState: (listener: (state: EventPayloadOf<'tsunagu:event:web-phonebook-state'>) => void) =>
      subscribe('tsunagu:event:web-phonebook-state', listener),
    onConnectivityCheck: (listener: (check: EventPayloadOf<'tsunagu:event:connectivity-check'>) => void) =>
      subscribe('tsunagu:event:connectivity-check', listener),
  });
}

/** The type of `window.tsunagu`, derived from the implementation rather than written twice. */
export type TsunaguApi = ReturnType<typeof createTsunaguApi>;
