import { app, dialog, globalShortcut, Menu, nativeImage, Notification, shell, Tray, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { TrayPresentation } from '../tray/tray-presentation';
import type { DesktopPorts } from './desktop-ports';

export interface ElectronPortsDeps {
  assetsDir: string;
  getWindow(): BrowserWindow | null;
  toggleDoNotDisturb(): void;
  /** The setting itself: the icon shows 着信中 over 取り込み中 while ringing, the tick must not. */
  isDoNotDisturb(): boolean;
  quit(): void;
  labels(): { show: string; hide: string; dndToggle: string; quit: string };
}

/** The real OS surfaces behind DesktopPorts. Thin on purpose: the decisions are made in
 *  call-alerts.ts and shortcuts.ts, which are tested without Electron. */
export function createElectronPorts(deps: ElectronPortsDeps): DesktopPorts {
  let tray: Tray | null = null;
  let last: TrayPresentation | null = null;

  const icon = (state: string) => {
    // macOS menu bar icons are templates (monochrome, tinted by the OS) where we have one.
    const template = process.platform === 'darwin' && ['registered', 'unregistered', 'dnd'].includes(state);
    const image = nativeImage.createFromPath(join(deps.assetsDir, 'tray', `${state}${template ? 'Template' : ''}.png`));
    if (template) image.setTemplateImage(true);
    return image;
  };

  const showWindow = () => {
    const window = deps.getWindow();
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  const rebuildMenu = () => {
    if (!tray || !last) return;
    const labels = deps.labels();
    tray.setContextMenu(
      Menu.buildFromTemplate([
        ...last.menuStatusLines.map((line) => ({ label: line, enabled: false })),
        { type: 'separator' },
        deps.getWindow()?.isVisible()
          ? { label: labels.hide, click: () => deps.getWindow()?.hide() }
          : { label: labels.show, click: showWindow },
        { label: labels.dndToggle, type: 'checkbox', checked: deps.isDoNotDisturb(), click: () => deps.toggleDoNotDisturb() },
        { type: 'separator' },
        { label: labels.quit, click: () => deps.quit() },
      ]),
    );
  };

  return {
    showWindow: () => {
      showWindow();
      rebuildMenu();
    },
    notify(content, on) {
      if (!Notification.isSupported()) return { close: () => undefined };
      const notification = new Notification({
        title: content.title,
        body: content.body,
        silent: content.silent,
        actions: content.actions,
        ...(content.toastXml ? { toastXml: content.toastXml } : {}),
      });
      notification.on('click', on.click);
      notification.on('action', (_event, index) => on.action(index));
      notification.show();
      return { close: () => notification.close() };
    },
    updateTray(presentation) {
      last = presentation;
      if (!tray) {
        tray = new Tray(icon(presentation.icon));
        tray.on('click', showWindow);
      } else {
        tray.setImage(icon(presentation.icon));
      }
      tray.setToolTip(presentation.tooltip);
      app.setBadgeCount(presentation.badgeCount);
      rebuildMenu();
    },
    registerShortcut: (accelerator, onPress) => {
      try {
        return globalShortcut.register(accelerator, onPress);
      } catch {
        // An accelerator Electron cannot parse counts as refused, like one the OS refuses.
        return false;
      }
    },
    unregisterAllShortcuts: () => globalShortcut.unregisterAll(),
    async chooseFileToOpen(options) {
      const window = deps.getWindow();
      const result = window
        ? await dialog.showOpenDialog(window, { title: options.title, filters: options.filters, properties: ['openFile'] })
        : await dialog.showOpenDialog({ title: options.title, filters: options.filters, properties: ['openFile'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async chooseFileToSave(options) {
      const window = deps.getWindow();
      const dialogOptions = { title: options.title, filters: options.filters, defaultPath: options.defaultName };
      const result = window ? await dialog.showSaveDialog(window, dialogOptions) : await dialog.showSaveDialog(dialogOptions);
      return result.canceled ? null : (result.filePath ?? null);
    },
    // Only https pages reach here (web-phonebook-manager checks the saved URL first).
    openExternal: (url) => shell.openExternal(url),
    setOpenAtLogin: (open) => {
      // Started at login, the phone goes straight to the tray: see window-behaviour.ts.
      app.setLoginItemSettings({ openAtLogin: open, args: ['--start-minimized'] });
    },
  };
}
