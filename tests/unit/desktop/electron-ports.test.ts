import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// The real Electron ports with `electron` mocked: they must pass our content through unchanged,
// keep the tray in step, and turn OS refusals into `false` rather than exceptions.
const created: { notifications: EventEmitter[]; trays: Record<string, unknown>[]; menus: unknown[] } = { notifications: [], trays: [], menus: [] };
const app = { setBadgeCount: vi.fn(), setLoginItemSettings: vi.fn() };
const globalShortcut = { register: vi.fn(), unregisterAll: vi.fn() };
const shell = { openExternal: vi.fn(async () => undefined) };

vi.mock('electron', () => ({
  app,
  globalShortcut,
  shell,
  Menu: { buildFromTemplate: (template: unknown) => (created.menus.push(template), template) },
  nativeImage: { createFromPath: (path: string) => ({ path, setTemplateImage: vi.fn() }) },
  Notification: class extends EventEmitter {
    static isSupported = () => true;
    constructor(readonly options: Record<string, unknown>) {
      super();
      created.notifications.push(this);
    }
    show = vi.fn();
    close = vi.fn();
  },
  Tray: class {
    image: unknown;
    tooltip = '';
    constructor(image: unknown) {
      this.image = image;
      created.trays.push(this as never);
    }
    on() {}
    setImage(image: unknown) {
      this.image = image;
    }
    setToolTip(tip: string) {
      this.tooltip = tip;
    }
    setContextMenu() {}
  },
}));

const { createElectronPorts } = await import('../../../src-main/desktop/electron-ports');

function ports() {
  const window = { isMinimized: () => true, restore: vi.fn(), show: vi.fn(), focus: vi.fn(), hide: vi.fn(), visible: false, isVisible: () => window.visible };
  const toggle = vi.fn();
  const p = createElectronPorts({
    assetsDir: '/assets',
    getWindow: () => window as never,
    toggleDoNotDisturb: toggle,
    isDoNotDisturb: () => true,
    quit: vi.fn(),
    labels: () => ({ show: 'Tsunagu を表示', hide: 'ウィンドウを隠す', dndToggle: '応答不可', quit: '終了' }),
  });
  return { p, window, toggle };
}

beforeEach(() => {
  created.notifications.length = 0;
  created.trays.length = 0;
  created.menus.length = 0;
  vi.clearAllMocks();
});

describe('electron ports', () => {
  it('shows a notification with our text, actions and toast XML, and routes click and action', () => {
    const { p, window } = ports();
    const on = { click: vi.fn(), action: vi.fn() };
    const handle = p.notify({ title: '着信: 山田', body: '0312345678', actions: [{ type: 'button', text: '応答' }], toastXml: '<toast/>', silent: true }, on);
    const [n] = created.notifications as (EventEmitter & { options: Record<string, unknown>; show: () => void; close: () => void })[];
    expect(n!.options).toMatchObject({ title: '着信: 山田', body: '0312345678', silent: true, toastXml: '<toast/>' });
    expect(n!.show).toHaveBeenCalled();
    n!.emit('click');
    n!.emit('action', {}, 0);
    expect(on.click).toHaveBeenCalled();
    expect(on.action).toHaveBeenCalledWith(0);
    handle.close();
    expect(n!.close).toHaveBeenCalled();
    p.showWindow();
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
  });

  it('creates the tray once, then updates icon, tooltip, badge and menu', () => {
    const { p, toggle } = ports();
    const presentation = { icon: 'ringing' as const, tooltip: 'Tsunagu — 着信中', menuStatusLines: ['1001 — 着信中'], badgeCount: 2 };
    p.updateTray(presentation);
    // Ringing while do-not-disturb is on: the icon says 着信中, the menu still ticks 応答不可.
    p.updateTray({ ...presentation, tooltip: 'Tsunagu — 取り込み中' });
    expect(created.trays).toHaveLength(1);
    expect(created.trays[0]).toMatchObject({ tooltip: 'Tsunagu — 取り込み中' });
    expect(app.setBadgeCount).toHaveBeenLastCalledWith(2);
    const menu = created.menus.at(-1) as { label?: string; checked?: boolean; click?: () => void }[];
    expect(menu[0]).toMatchObject({ label: '1001 — 着信中', enabled: false });
    const dnd = menu.find((item) => item.label === '応答不可')!;
    expect(dnd.checked).toBe(true);
    dnd.click!();
    expect(toggle).toHaveBeenCalled();
  });

  it('the tray menu offers show when hidden and hide when shown', () => {
    const { p, window } = ports();
    p.updateTray({ icon: 'registered', tooltip: 'Tsunagu — 通話可能', menuStatusLines: [], badgeCount: 0 });
    const labels = () => (created.menus.at(-1) as { label?: string }[]).map((i) => i.label);
    expect(labels()).toContain('Tsunagu を表示');
    window.visible = true;
    p.showWindow();
    expect(labels()).toContain('ウィンドウを隠す');
    (created.menus.at(-1) as { label?: string; click?: () => void }[]).find((i) => i.label === 'ウィンドウを隠す')!.click!();
    expect(window.hide).toHaveBeenCalled();
  });

  it('reports refused or unparsable shortcuts as false and sets the login item to start in the tray', () => {
    const { p } = ports();
    globalShortcut.register.mockReturnValueOnce(false).mockImplementationOnce(() => {
      throw new Error('bad accelerator');
    });
    expect(p.registerShortcut('Alt+F4', () => undefined)).toBe(false);
    expect(p.registerShortcut('Nope+Nope', () => undefined)).toBe(false);
    p.setOpenAtLogin(true);
    expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--start-minimized'] });
  });

  it('opens a page in the default browser through shell.openExternal, unchanged', async () => {
    const { p } = ports();
    await p.openExternal('https://phonebook.example.jp/?q=%E5%B1%B1');
    expect(shell.openExternal).toHaveBeenCalledWith('https://phonebook.example.jp/?q=%E5%B1%B1');
  });
});

describe('window behaviour', async () => {
  const { applyWindowBehaviour } = await import('../../../src-main/window/window-behaviour');
  function fakeWindow() {
    const w = Object.assign(new EventEmitter(), {
      hide: vi.fn(),
      isMinimized: () => false,
      isMaximized: () => false,
      getBounds: () => ({ x: 10, y: 20, width: 380, height: 680 }),
    });
    return w;
  }

  it('closing hides to the tray and remembers the bounds; quitting really closes', () => {
    const w = fakeWindow();
    let quitting = false;
    const saveBounds = vi.fn();
    applyWindowBehaviour(w as never, { closeToTray: () => true, isQuitting: () => quitting, saveBounds, onFocus: vi.fn() });
    const event = { preventDefault: vi.fn() };
    w.emit('close', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(w.hide).toHaveBeenCalled();
    expect(saveBounds).toHaveBeenCalledWith({ x: 10, y: 20, width: 380, height: 680 });
    quitting = true;
    const last = { preventDefault: vi.fn() };
    w.emit('close', last);
    expect(last.preventDefault).not.toHaveBeenCalled();
  });

  it('with close-to-tray off, closing closes', () => {
    const w = fakeWindow();
    applyWindowBehaviour(w as never, { closeToTray: () => false, isQuitting: () => false, saveBounds: vi.fn(), onFocus: vi.fn() });
    const event = { preventDefault: vi.fn() };
    w.emit('close', event);
    expect(event.preventDefault).not.toHaveBeenCalled();
  });
});
