import type { CallerIdentification } from '../contacts/caller-identification';
import type { ContactsService } from '../contacts/contacts-service';
import type { ContactsTransfer } from '../contacts/contacts-transfer';
import type { CallAlerts } from '../desktop/call-alerts';
import type { CtiService } from '../cti/cti-service';
import type { ShortcutService } from '../desktop/shortcuts';
import type { HistoryQueryEngine } from '../history/history-query';
import type { HistoryService } from '../history/history-service';
import type { LinkRouter } from '../protocol/link-router';
import { parseProvisioningText } from '../settings/provisioning-import';
import type { SettingsService } from '../settings/settings-service';
import type { WebPhonebookManager } from '../webphonebook/web-phonebook-manager';
import type { ProvisioningParseResult } from '../../src-preload/contract';
import type { InvokeHandlers } from './dispatcher';

export interface HandlerServices {
  settings: SettingsService;
  history: HistoryService;
  links: LinkRouter;
  alerts: CallAlerts;
  shortcuts: ShortcutService;
  contacts: ContactsService;
  transfer: ContactsTransfer;
  historyQuery: HistoryQueryEngine;
  webPhonebook: WebPhonebookManager;
  callers: CallerIdentification;
  cti: CtiService;
  /** The provisioning CSV through the open dialog. */
  chooseProvisioningFile(): Promise<ProvisioningParseResult | null>;
  /** Writes a history export through the save dialog. */
  exportHistory(query: Parameters<HistoryQueryEngine['exportCsv']>[0]): Promise<{ saved: boolean; count: number }>;
}

/** Adapters only: each channel maps onto one service call. Logic lives in the services. */
export function createInvokeHandlers({ settings, history, links, alerts, shortcuts, contacts, transfer, historyQuery, webPhonebook, callers, cti, chooseProvisioningFile, exportHistory }: HandlerServices): InvokeHandlers {
  return {
    'tsunagu:settings:get': () => settings.view(),
    'tsunagu:settings:save-account': (input) => settings.saveAccount(input),
    'tsunagu:settings:delete-account': ({ id }) => settings.deleteAccount(id),
    'tsunagu:settings:order-accounts': ({ ids }) => settings.orderAccounts(ids),
    'tsunagu:settings:set-cti': (cti_) => settings.setCti(cti_),
    'tsunagu:settings:set-audio': (audio) => settings.setAudio(audio),
    'tsunagu:settings:parse-provisioning': ({ format, text }) => parseProvisioningText(format, text),
    'tsunagu:settings:choose-provisioning-file': () => chooseProvisioningFile(),
    'tsunagu:settings:set-language': (language) => settings.setLanguage(language),
    'tsunagu:settings:set-desktop': (preferences) => settings.setDesktop(preferences),
    'tsunagu:settings:set-call-buttons': (buttons) => settings.setCallButtons(buttons),
    'tsunagu:phone:get-credentials': () => settings.credentials(),
    'tsunagu:phone:report-status': (status) => alerts.report(status),
    'tsunagu:app:renderer-ready': () => links.rendererReady(),
    'tsunagu:desktop:get-status': () => shortcuts.status(),
    'tsunagu:history:call-started': (call) => history.callStarted(call),
    'tsunagu:history:call-answered': ({ callId }) => history.callAnswered(callId),
    'tsunagu:history:call-ended': (ended) => history.callEnded(ended),
    'tsunagu:history:list': (request) => history.list(request),
    'tsunagu:history:query': (query) => historyQuery.query(query),
    'tsunagu:history:delete': ({ ids }) => ({ deleted: historyQuery.deleteRows(ids) }),
    'tsunagu:history:export': (query) => exportHistory(query),
    'tsunagu:contacts:list': ({ limit, after }) => contacts.list(limit, after),
    'tsunagu:contacts:search': ({ query, limit }) => contacts.search(query, limit),
    'tsunagu:contacts:get': ({ id }) => contacts.get(id),
    'tsunagu:contacts:create': (contact) => contacts.create(contact),
    'tsunagu:contacts:update': ({ id, contact }) => contacts.update(id, contact),
    'tsunagu:contacts:delete': ({ id }) => contacts.delete(id),
    'tsunagu:contacts:lookup': ({ number }) => contacts.lookup(number),
    'tsunagu:contacts:import-choose': () => transfer.chooseAndPreview(),
    'tsunagu:contacts:import-apply': ({ token }) => transfer.apply(token),
    'tsunagu:contacts:export': ({ format }) => transfer.exportToFile(format),
    'tsunagu:contacts:identify-caller': ({ callId, number }) => callers.identify(callId, number),
    'tsunagu:webphonebook:save': (input) => settings.saveWebPhonebook(input),
    'tsunagu:webphonebook:test': (input) => webPhonebook.test(input),
    'tsunagu:webphonebook:choose-ca-cert': () => webPhonebook.chooseCertificate(),
    'tsunagu:webphonebook:sync': () => webPhonebook.syncNow(),
    'tsunagu:webphonebook:state': () => webPhonebook.state(),
    'tsunagu:webphonebook:search': ({ query, limit }) => webPhonebook.search(query, limit),
    'tsunagu:webphonebook:open-page': () => webPhonebook.openPage(),
    'tsunagu:cti:last-call': ({ number, exceptCallId }) => cti.lastCall(number, exceptCallId),
    'tsunagu:cti:open': ({ button, call }) => cti.open(button, call),
  };
}
