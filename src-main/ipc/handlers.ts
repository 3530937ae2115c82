import type { HistoryService } from '../history/history-service';
import type { SettingsService } from '../settings/settings-service';
import type { InvokeHandlers } from './dispatcher';

export interface HandlerServices {
  settings: SettingsService;
  history: HistoryService;
}

/** Adapters only: each channel maps onto one service call. Logic lives in the services. */
export function createInvokeHandlers({ settings, history }: HandlerServices): InvokeHandlers {
  return {
    'tsunagu:settings:get': () => settings.view(),
    'tsunagu:settings:save-account': (input) => settings.saveAccount(input),
    'tsunagu:settings:set-language': (language) => settings.setLanguage(language),
    'tsunagu:phone:get-credentials': () => settings.credentials(),
    'tsunagu:history:call-started': (call) => history.callStarted(call),
    'tsunagu:history:call-answered': ({ callId }) => history.callAnswered(callId),
    'tsunagu:history:call-ended': (ended) => history.callEnded(ended),
    'tsunagu:history:list': (request) => history.list(request),
  };
}
