import type { ShortcutAction } from '../../src-preload/contract';
import type { NotificationContent } from '../notify/notification-content';
import type { TrayPresentation } from '../tray/tray-presentation';

export interface NotificationHandle {
  close(): void;
}

/**
 * The operating-system surfaces the desktop services drive. In the app these are Electron's
 * Tray, Notification, globalShortcut and BrowserWindow (desktop/electron-ports.ts); in the e2e
 * harness they record what would have been shown, so the logic deciding it is the real one.
 */
export interface DesktopPorts {
  /** Shows and focuses the phone window. */
  showWindow(): void;
  notify(content: NotificationContent, on: { click(): void; action(index: number): void }): NotificationHandle;
  updateTray(presentation: TrayPresentation): void;
  /** Registers one global shortcut; false when the OS refuses (another app holds it). */
  registerShortcut(accelerator: string, onPress: () => void): boolean;
  unregisterAllShortcuts(): void;
  setOpenAtLogin(open: boolean): void;
  /** The OS open/save dialogs: the user, not the page, chooses which file main reads or writes. */
  chooseFileToOpen(options: FileDialogOptions): Promise<string | null>;
  chooseFileToSave(options: FileDialogOptions & { defaultName: string }): Promise<string | null>;
  /** Opens an https page in the default browser (the caller has validated it). */
  openExternal(url: string): Promise<void>;
}

export interface FileDialogOptions {
  title: string;
  filters: { name: string; extensions: string[] }[];
}

export type { ShortcutAction };
