import type { DesktopPreferences, DesktopStatus, ShortcutAction } from '../../src-preload/contract';
import type { SendEvent } from '../ipc/events';
import type { DesktopPorts } from './desktop-ports';

const COMMAND: Record<ShortcutAction, 'answer' | 'hangup' | 'toggle-mute' | 'focus-dialer'> = {
  answer: 'answer',
  hangup: 'hangup',
  mute: 'toggle-mute',
  focusDialer: 'focus-dialer',
};

export type ShortcutService = ReturnType<typeof createShortcutService>;

/**
 * Global shortcuts for answer, hang up / reject, mute and focus-the-dialer. Registration is
 * redone from scratch on every change (the OS keeps no other state of ours), and shortcuts the
 * OS refuses are reported to the page so the user sees the conflict instead of a dead key.
 */
export function createShortcutService(deps: { ports: DesktopPorts; send: SendEvent; showWindow(): void }) {
  let status: DesktopStatus = { shortcutConflicts: [] };

  return {
    apply(shortcuts: DesktopPreferences['shortcuts']): DesktopStatus {
      deps.ports.unregisterAllShortcuts();
      const conflicts: ShortcutAction[] = [];
      const seen = new Set<string>();
      for (const action of Object.keys(COMMAND) as ShortcutAction[]) {
        const accelerator = shortcuts[action];
        if (!accelerator) continue;
        // The same key for two actions is a conflict of our own making: the second one loses.
        const key = accelerator.toLowerCase().replace(/\s+/g, '');
        const ok =
          !seen.has(key) &&
          deps.ports.registerShortcut(accelerator, () => {
            if (action === 'focusDialer') deps.showWindow();
            deps.send('tsunagu:event:call-command', { command: COMMAND[action], callId: null });
          });
        seen.add(key);
        if (!ok) conflicts.push(action);
      }
      status = { shortcutConflicts: conflicts };
      deps.send('tsunagu:event:desktop-status', status);
      return status;
    },
    status: () => status,
  };
}
