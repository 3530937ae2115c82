import type { DesktopPorts } from '../../src-main/desktop/desktop-ports';
import type { NotificationContent } from '../../src-main/notify/notification-content';
import type { TrayPresentation } from '../../src-main/tray/tray-presentation';

export interface RecordedNotification {
  content: NotificationContent;
  closed: boolean;
  click(): void;
  action(index: number): void;
}

/**
 * TEST ONLY — DesktopPorts that record what the OS would have shown. The decisions (what to
 * notify, which tray state, which shortcuts) are made by the real services; only Electron's
 * Tray/Notification/globalShortcut are replaced. `takenShortcuts` simulates keys held by
 * another application.
 */
export function createRecordingDesktop(options: { takenShortcuts?: string[] } = {}) {
  /** What the simulated file dialogs answer next (null = the user cancelled). */
  const files: { open: string | null; save: string | null } = { open: null, save: null };
  const notifications: RecordedNotification[] = [];
  const trays: TrayPresentation[] = [];
  const shortcuts = new Map<string, () => void>();
  const state = { shown: 0, openAtLogin: false };
  const opened: string[] = [];
  const ports: DesktopPorts = {
    showWindow: () => {
      state.shown += 1;
    },
    notify(content, on) {
      const record: RecordedNotification = { content, closed: false, click: on.click, action: on.action };
      notifications.push(record);
      return { close: () => (record.closed = true) };
    },
    updateTray: (presentation) => trays.push(presentation),
    registerShortcut(accelerator, onPress) {
      if (options.takenShortcuts?.includes(accelerator)) return false;
      shortcuts.set(accelerator, onPress);
      return true;
    },
    unregisterAllShortcuts: () => shortcuts.clear(),
    setOpenAtLogin: (open) => {
      state.openAtLogin = open;
    },
    chooseFileToOpen: async () => files.open,
    chooseFileToSave: async () => files.save,
    openExternal: async (url) => {
      opened.push(url);
    },
  };
  return {
    ports,
    notifications,
    trays,
    shortcuts,
    state,
    files,
    /** URLs that would have opened in the default browser. */
    opened,
    lastTray: () => trays.at(-1),
    press: (accelerator: string) => shortcuts.get(accelerator)?.(),
  };
}

export type RecordingDesktop = ReturnType<typeof createRecordingDesktop>;
