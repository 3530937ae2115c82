import { describe, expect, it } from 'vitest';
import type { PhoneStatus } from '../../../src-preload/contract';
import { createCallAlerts } from '../../../src-main/desktop/call-alerts';
import { createRecordingDesktop } from '../../support/recording-desktop';

const CALL = '11111111-2222-4333-8444-555555555555';
const OTHER = '99999999-2222-4333-8444-555555555555';

function setup(platform = 'darwin', flags: { dnd?: boolean; front?: boolean } = {}) {
  const desktop = createRecordingDesktop();
  const sent: unknown[] = [];
  const alerts = createCallAlerts({
    ports: desktop.ports,
    send: (c, p) => sent.push([c, p]),
    history: { get: () => ({ remoteName: '山田', remoteNumber: '0312345678', localAccount: '1001@lab.test' }) as never },
    platform,
    language: () => 'ja',
    bringToFrontOnRing: () => flags.front ?? false,
    doNotDisturb: () => flags.dnd ?? false,
    contactName: (number) => (number === '0120000111' ? '株式会社サンプル 受付' : null),
  });
  return { desktop, sent, alerts };
}

const status = (phase: PhoneStatus['phase'], callId: string | null = CALL, name: string | null = '<b>山田</b>'): PhoneStatus => ({
  accounts: [{ id: 'a1', account: '1001@lab.test', label: '1001', registration: 'registered', failure: null }],
  phase,
  call: callId ? { callId, direction: 'incoming', remoteNumber: '0312345678', remoteName: name, calledLine: '1001@lab.test' } : null,
});

describe('call alerts', () => {
  it('notifies a ringing call once, closes it when answered elsewhere, and follows the call in the tray', () => {
    const { desktop, alerts } = setup();
    alerts.report(status('idle', null));
    expect(desktop.lastTray()?.icon).toBe('registered');
    alerts.report(status('ringing'));
    alerts.report(status('ringing'));
    expect(desktop.notifications).toHaveLength(1);
    expect(desktop.lastTray()?.icon).toBe('ringing');
    expect(desktop.state.shown).toBe(0); // no focus stealing by default
    alerts.report(status('in-call'));
    expect(desktop.notifications[0]!.closed).toBe(true);
    expect(desktop.lastTray()?.icon).toBe('in-call');
  });

  it('a name found after the ring began (web phonebook) replaces the number-only notification, once, and names the missed call', () => {
    const { desktop, alerts } = setup();
    alerts.report(status('ringing', CALL, null));
    expect(desktop.notifications[0]!.content.title).toBe('着信: 0312345678');
    alerts.callerIdentified(OTHER, '別の人');
    expect(desktop.notifications).toHaveLength(1);
    alerts.callerIdentified(CALL, '高橋 一郎');
    alerts.callerIdentified(CALL, '高橋 一郎'); // the photo event repeats the name: no new notification
    expect(desktop.notifications.map((n) => [n.content.title, n.closed])).toEqual([
      ['着信: 0312345678', true],
      ['着信: 高橋 一郎', false],
    ]);
    // The replacement still answers this call.
    alerts.report(status('ringing', CALL, null));
    expect(desktop.notifications).toHaveLength(2);
    alerts.report(status('idle', null));
    expect(desktop.notifications[1]!.closed).toBe(true);
    alerts.callEnded({ callId: CALL, outcome: 'missed', reason: 'timeout' });
    expect(desktop.notifications[2]!.content.title).toContain('高橋 一郎');
  });

  it('a new ringing call replaces the old notification; actions carry their own call id', () => {
    const { desktop, alerts, sent } = setup();
    alerts.report(status('ringing', CALL));
    alerts.report(status('ringing', OTHER));
    expect(desktop.notifications.map((n) => n.closed)).toEqual([true, false]);
    desktop.notifications[0]!.action(0);
    desktop.notifications[1]!.action(1);
    expect(sent).toEqual([
      ['tsunagu:event:call-command', { command: 'answer', callId: CALL }],
      ['tsunagu:event:call-command', { command: 'reject', callId: OTHER }],
    ]);
  });

  it('names a stored caller from the phonebook rather than from the caller’s own claim', () => {
    const { desktop, alerts } = setup();
    alerts.report({ ...status('ringing'), call: { ...status('ringing').call!, remoteNumber: '0120000111', remoteName: 'Totally Legit Bank' } });
    expect(desktop.notifications[0]!.content.title).toContain('株式会社サンプル 受付');
    expect(desktop.notifications[0]!.content.title).not.toContain('Legit');
  });

  it('shows the window on ring only when asked to', () => {
    const { desktop, alerts } = setup('darwin', { front: true });
    alerts.report(status('ringing'));
    expect(desktop.state.shown).toBe(1);
  });

  it('on Linux the caller name is escaped for notification servers that render markup', () => {
    const { desktop, alerts } = setup('linux');
    alerts.report(status('ringing'));
    const { title, body } = desktop.notifications[0]!.content;
    expect(`${title}\n${body}`).not.toMatch(/[<>]/);
    expect(title).toContain('山田');
  });

  it('counts missed calls for the badge and clears them when seen', () => {
    const { desktop, alerts } = setup();
    alerts.callEnded({ callId: CALL, outcome: 'answered', reason: null });
    expect(alerts.missedCount()).toBe(0);
    alerts.callEnded({ callId: CALL, outcome: 'missed', reason: 'cancel' });
    alerts.callEnded({ callId: OTHER, outcome: 'missed', reason: 'cancel' });
    expect(desktop.lastTray()?.badgeCount).toBe(2);
    expect(desktop.notifications.at(-1)!.content.title).toContain('不在着信');
    alerts.clearMissed();
    expect(desktop.lastTray()?.badgeCount).toBe(0);
  });

  it('a call a colleague picked up is not counted or announced as missed', () => {
    const { desktop, alerts } = setup();
    const before = desktop.notifications.length;
    alerts.callEnded({ callId: CALL, outcome: 'missed', reason: 'elsewhere' });
    expect(alerts.missedCount()).toBe(0);
    expect(desktop.notifications).toHaveLength(before);
  });

  it('acts on Windows toast activation arguments only when well-formed', () => {
    const { alerts, sent, desktop } = setup('win32');
    expect(alerts.handleToastActivation(['Tsunagu.exe', `answer:${CALL}`])).toBe(true);
    expect(sent).toEqual([['tsunagu:event:call-command', { command: 'answer', callId: CALL }]]);
    expect(desktop.state.shown).toBe(1);
    expect(alerts.handleToastActivation(['Tsunagu.exe', 'answer:not-a-uuid', 'tel:1', '--x'])).toBe(false);
    expect(sent).toHaveLength(1);
  });
});
