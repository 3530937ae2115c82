import { describe, expect, it } from 'vitest';
import { createShortcutService } from '../../../src-main/desktop/shortcuts';
import { fitBounds, shouldStartHidden } from '../../../src-main/window/window-behaviour';
import { createRecordingDesktop } from '../../support/recording-desktop';

describe('global shortcuts', () => {
  it('registers each configured shortcut, reports refused and duplicate ones, and sends the command', () => {
    const desktop = createRecordingDesktop({ takenShortcuts: ['Alt+F4'] });
    const sent: unknown[] = [];
    let shown = 0;
    const service = createShortcutService({ ports: desktop.ports, send: (c, p) => sent.push([c, p]), showWindow: () => (shown += 1) });
    const status = service.apply({ answer: 'CommandOrControl+Shift+A', hangup: 'Alt+F4', mute: 'commandorcontrol+shift+a', focusDialer: 'F9' });
    expect(status.shortcutConflicts).toEqual(['hangup', 'mute']);
    expect([...desktop.shortcuts.keys()]).toEqual(['CommandOrControl+Shift+A', 'F9']);
    desktop.press('F9');
    expect(shown).toBe(1);
    expect(sent.at(-1)).toEqual(['tsunagu:event:call-command', { command: 'focus-dialer', callId: null }]);
    expect(sent).toContainEqual(['tsunagu:event:desktop-status', { shortcutConflicts: ['hangup', 'mute'] }]);

    service.apply({ answer: '', hangup: '', mute: '', focusDialer: '' });
    expect(desktop.shortcuts.size).toBe(0);
    expect(service.status()).toEqual({ shortcutConflicts: [] });
  });
});

describe('window placement', () => {
  const screens = [{ x: 0, y: 0, width: 1920, height: 1040 }];
  it('restores bounds that are on a screen', () => {
    expect(fitBounds({ x: 100, y: 100, width: 380, height: 680 }, screens)).toEqual({ x: 100, y: 100, width: 380, height: 680 });
  });
  it('lets the OS place a window whose monitor is gone, or that has no saved bounds', () => {
    expect(fitBounds({ x: 2500, y: 100, width: 380, height: 680 }, screens)).toBeNull();
    expect(fitBounds({ x: 1900, y: 100, width: 380, height: 680 }, screens)).toBeNull();
    expect(fitBounds(undefined, screens)).toBeNull();
  });
  it('shrinks a window larger than the screen it is on', () => {
    expect(fitBounds({ x: 0, y: 0, width: 3000, height: 2000 }, screens)).toEqual({ x: 0, y: 0, width: 1920, height: 1040 });
  });
  it('starts hidden at login or when asked to', () => {
    expect(shouldStartHidden(['tsunagu', '--start-minimized'], false)).toBe(true);
    expect(shouldStartHidden(['tsunagu'], true)).toBe(true);
    expect(shouldStartHidden(['tsunagu'], false)).toBe(false);
  });
});
