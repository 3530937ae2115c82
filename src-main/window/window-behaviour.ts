import type { BrowserWindow } from 'electron';
import type { WindowBounds } from '../settings/settings-service';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Puts saved bounds back only if the window would be visible: a monitor unplugged since the
 * last run must not leave the phone off-screen, where a user can never find it again.
 * Returns the bounds to use, or null to let the OS place the window.
 */
export function fitBounds(saved: WindowBounds | undefined, workAreas: readonly Rect[]): WindowBounds | null {
  if (!saved) return null;
  const visible = workAreas.find((area) => {
    const overlapX = Math.min(saved.x + saved.width, area.x + area.width) - Math.max(saved.x, area.x);
    const overlapY = Math.min(saved.y + saved.height, area.y + area.height) - Math.max(saved.y, area.y);
    // At least the title bar's worth of the window must be on this screen.
    return overlapX >= 80 && overlapY >= 40;
  });
  if (!visible) return null;
  return {
    ...saved,
    width: Math.min(saved.width, visible.width),
    height: Math.min(saved.height, visible.height),
  };
}

export interface WindowBehaviourDeps {
  closeToTray(): boolean;
  isQuitting(): boolean;
  saveBounds(bounds: WindowBounds): void;
  onFocus(): void;
}

/** Close hides to the tray (the phone keeps ringing); geometry is remembered. */
export function applyWindowBehaviour(window: BrowserWindow, deps: WindowBehaviourDeps): void {
  window.on('close', (event) => {
    if (!window.isMinimized() && !window.isMaximized()) deps.saveBounds(window.getBounds());
    if (deps.closeToTray() && !deps.isQuitting()) {
      event.preventDefault();
      window.hide();
    }
  });
  window.on('focus', deps.onFocus);
}

/** Started from the login item or with the preference on: stay in the tray. */
export function shouldStartHidden(argv: readonly string[], startMinimized: boolean): boolean {
  return startMinimized || argv.includes('--start-minimized');
}
