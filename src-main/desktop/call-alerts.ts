import type { CallEnded, PhoneStatus } from '../../src-preload/contract';
import type { UiLanguage } from '../../src-preload/language';
import type { HistoryService } from '../history/history-service';
import type { SendEvent } from '../ipc/events';
import { incomingCallNotification, missedCallNotification, parseToastActivation } from '../notify/notification-content';
import { trayPresentation, type TrayPresentation } from '../tray/tray-presentation';
import type { DesktopPorts, NotificationHandle } from './desktop-ports';

export interface CallAlertsDeps {
  ports: DesktopPorts;
  send: SendEvent;
  history: Pick<HistoryService, 'get'>;
  platform: string;
  language(): UiLanguage;
  bringToFrontOnRing(): boolean;
  doNotDisturb(): boolean;
  /** The phonebook's name for a number: stored names win over what the caller claims. */
  contactName(number: string): string | null;
}

export type CallAlerts = ReturnType<typeof createCallAlerts>;

/**
 * Everything the desktop shows about calls outside the window: the tray icon and tooltip, the
 * incoming-call notification with 応答 / 拒否, the missed-call notification and count. It reacts
 * to the renderer's status reports and to the history (a call ended as missed).
 */
export function createCallAlerts(deps: CallAlertsDeps) {
  let status: PhoneStatus | null = null;
  let missed = 0;
  let ringing: { callId: string; handle: NotificationHandle; shownName: string | null } | null = null;
  // Names the lookup chain found after the ring began (web phonebook), by call id. Bounded: only
  // the last few calls matter (the ringing one and the one just missed).
  const identified = new Map<string, string>();
  let lastTray: TrayPresentation | null = null;

  function refreshTray(): void {
    lastTray = trayPresentation({
      // One status line per enabled account: each has its own lamp in the tray as in the window.
      accounts: (status?.accounts ?? []).map((entry) => ({
        label: entry.label === '' || entry.account.startsWith(`${entry.label}@`) ? entry.account : `${entry.label} (${entry.account})`,
        registration: entry.registration,
        ...(entry.failure ? { failure: entry.failure } : {}),
      })),
      phase: status?.phase ?? 'idle',
      dnd: deps.doNotDisturb(),
      missedCalls: missed,
      language: deps.language(),
    });
    deps.ports.updateTray(lastTray);
  }

  function command(command: 'answer' | 'reject', callId: string): void {
    deps.send('tsunagu:event:call-command', { command, callId });
  }

  /** Stored names win over what the caller claims about themselves. */
  function callerName(callId: string, number: string, claimed: string | null): string | null {
    return deps.contactName(number) ?? identified.get(callId) ?? claimed;
  }

  function showRinging(call: NonNullable<PhoneStatus['call']>): void {
    const shownName = callerName(call.callId, call.remoteNumber, call.remoteName);
    const content = incomingCallNotification(
      { callerName: shownName, callerNumber: call.remoteNumber, calledLine: call.calledLine, callId: call.callId },
      deps.platform,
      deps.language(),
    );
    const callId = call.callId;
    const handle = deps.ports.notify(content, {
      click: () => deps.ports.showWindow(),
      // Actions in the order notification-content builds them: 応答, 拒否.
      action: (index) => command(index === 0 ? 'answer' : 'reject', callId),
    });
    ringing = { callId, handle, shownName };
  }

  function closeRinging(): void {
    ringing?.handle.close();
    ringing = null;
  }

  return {
    report(next: PhoneStatus): void {
      status = next;
      const call = next.phase === 'ringing' && next.call?.direction === 'incoming' ? next.call : null;
      if (ringing && ringing.callId !== call?.callId) closeRinging();
      if (call && !ringing) {
        showRinging(call);
        if (deps.bringToFrontOnRing()) deps.ports.showWindow();
      }
      refreshTray();
    },

    /**
     * The lookup chain found who is calling after the ring began (web phonebook cache or
     * server). A notification still showing the bare number is replaced by one with the name
     * (silent, like every incoming notification: the app rings by itself).
     */
    callerIdentified(callId: string, name: string): void {
      identified.set(callId, name);
      while (identified.size > 8) identified.delete(identified.keys().next().value as string);
      const call = status?.phase === 'ringing' && status.call?.callId === callId ? status.call : null;
      if (!call || !ringing || ringing.callId !== callId || ringing.shownName === callerName(call.callId, call.remoteNumber, call.remoteName)) return;
      closeRinging();
      showRinging(call);
    },

    callEnded(ended: CallEnded): void {
      // A call a colleague picked up while it rang here was not missed by anyone.
      if (ended.outcome !== 'missed' || ended.reason === 'elsewhere') return;
      missed += 1;
      const entry = deps.history.get(ended.callId);
      deps.ports.notify(
        missedCallNotification(
          { callerName: (entry && callerName(ended.callId, entry.remoteNumber, entry.remoteName)) ?? null, callerNumber: entry?.remoteNumber ?? '', calledLine: entry?.localAccount ?? null, callId: ended.callId, count: missed },
          deps.platform,
          deps.language(),
        ),
        { click: () => deps.ports.showWindow(), action: () => undefined },
      );
      refreshTray();
    },

    /**
     * Windows may start (or hand to the running instance) the app with a toast's activation
     * arguments ("answer:<uuid>", "decline:<uuid>", "show"). Only what parseToastActivation
     * accepts is acted on, and answer/decline carry the call id, so a stale toast cannot act on
     * a newer call. Returns whether an activation was found.
     */
    handleToastActivation(argv: readonly string[]): boolean {
      for (const arg of argv) {
        const activation = parseToastActivation(arg);
        if (!activation) continue;
        deps.ports.showWindow();
        if (activation.action === 'answer' || activation.action === 'decline') {
          command(activation.action === 'answer' ? 'answer' : 'reject', activation.callId);
        }
        return true;
      }
      return false;
    },

    /** The user looked at the phone: missed calls are seen. */
    clearMissed(): void {
      if (missed === 0) return;
      missed = 0;
      refreshTray();
    },

    /** Settings that change the tray (language, do-not-disturb) changed. */
    refresh: refreshTray,

    missedCount: () => missed,
    tray: () => lastTray,
  };
}
