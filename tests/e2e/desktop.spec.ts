// Desktop integration end to end: links handed to the real main-process router reach the real
// page; incoming calls produce the notification, tray state and commands the real services
// decide (only the OS surfaces themselves are recorded instead of shown).
import { dial, expect, expectRegistered, inboundAudioPackets, labAccount, test } from './fixtures';

test.describe('click-to-call links', () => {
  test('a tel: link from a second launch brings the phone forward with the number in the keypad', async ({ phoneFor }) => {
    const app = await phoneFor('1001');
    await expectRegistered(app.page);
    const shownBefore = app.desktop.state.shown;
    // What Windows passes for `Tsunagu.exe -- "%1"`, with a switch Chromium added in front.
    expect(app.services.links.handleArgv(['C:\\Tsunagu\\Tsunagu.exe', '--allow-file-access-from-files', '--', 'tel:03-1234-5678'])).toBe(true);
    await expect(app.page.getByTestId('dial-input')).toHaveValue('0312345678');
    await expect(app.page.getByTestId('call-status')).toHaveText('待機中');
    expect(app.desktop.state.shown).toBeGreaterThan(shownBefore);
  });

  test('a link that arrives before the UI is ready is queued, not lost', async ({ phoneFor }) => {
    const app = await phoneFor('1001', { beforeLoad: (main) => main.links.handleArgv(['/usr/bin/tsunagu', '--', 'tsunagu://dial?number=0120-123-456']) });
    await expect(app.page.getByTestId('dial-input')).toHaveValue('0120123456');
  });

  test('malformed and hostile links are refused and change nothing', async ({ phoneFor }) => {
    const app = await phoneFor('1001');
    await expectRegistered(app.page);
    await app.page.getByTestId('dial-input').fill('1234');
    for (const link of ['javascript:alert(1)', 'tel:12 --gpu-launcher=calc.exe', 'sip:<script>@x', 'file:///etc/passwd', `tel:${'1'.repeat(5000)}`]) {
      expect(app.services.links.handleLink(link)).toBe(false);
    }
    expect(app.services.links.handleArgv(['tsunagu', 'tel:1', 'tel:2'])).toBe(false);
    await expect(app.page.getByTestId('dial-input')).toHaveValue('1234');
  });

  test('with “dial at once” on, a clicked link starts the call', async ({ phoneFor }) => {
    const a = await phoneFor('1002');
    const b = await phoneFor('1003');
    await expectRegistered(a.page);
    await expectRegistered(b.page);
    await a.page.getByTestId('tab-settings').click();
    await a.page.getByTestId('desktop-dialImmediately').check();
    await expect.poll(() => a.services.settings.view().desktop.dialImmediately).toBe(true);

    a.services.links.handleLink('tel:1003');
    await expect(a.page.getByTestId('call-status')).toHaveText('通話準備中');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    await a.page.getByTestId('hangup-button').click();
    await expect(b.page.getByTestId('call-status')).toHaveText('待機中');
  });
});

test.describe('incoming calls outside the window', () => {
  test('the notification shows caller and called line; its 応答 action answers; the tray follows the call', async ({ openPhone, phoneFor, lab }) => {
    const a = await openPhone({ label: '1004', account: labAccount(lab, '1004', { displayName: '佐藤 花子' }), password: 'pass1004' });
    // macOS: Electron shows notification action buttons there (Windows takes them from toastXml).
    const b = await phoneFor('1005', { platform: 'darwin' });
    await expectRegistered(a.page);
    await expectRegistered(b.page);
    await expect.poll(() => b.desktop.lastTray()?.icon).toBe('registered');

    await dial(a.page, '1005');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    await expect.poll(() => b.desktop.notifications.length).toBe(1);
    const [notification] = b.desktop.notifications;
    expect(notification!.content.title).toContain('佐藤 花子');
    expect(notification!.content.body).toContain('1004');
    expect(notification!.content.body).toContain('1005@lab.test');
    expect(notification!.content.actions.map((a) => a.text)).toEqual(['応答', '拒否']);
    expect(b.desktop.lastTray()?.icon).toBe('ringing');

    notification!.action(0);
    await expect(b.page.getByTestId('call-status')).toHaveText('通話中');
    await expect.poll(() => notification!.closed).toBe(true);
    await expect.poll(() => b.desktop.lastTray()?.icon).toBe('in-call');
    await expect.poll(() => inboundAudioPackets(b.page)).toBeGreaterThan(5);

    await a.page.getByTestId('hangup-button').click();
    await expect.poll(() => b.desktop.lastTray()?.icon).toBe('registered');
  });

  test('a missed call leaves a notification and a badge count', async ({ phoneFor }) => {
    const a = await phoneFor('1006');
    const b = await phoneFor('1007');
    await expectRegistered(a.page);
    await expectRegistered(b.page);
    await dial(a.page, '1007');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    await a.page.getByTestId('hangup-button').click();
    await expect(b.page.getByTestId('call-status')).toHaveText('待機中');
    await expect.poll(() => b.desktop.notifications.length).toBe(2);
    expect(b.desktop.notifications[0]!.closed).toBe(true);
    expect(b.desktop.notifications[1]!.content.title).toContain('不在着信');
    expect(b.desktop.lastTray()?.badgeCount).toBe(1);
    b.services.alerts.clearMissed();
    expect(b.desktop.lastTray()?.badgeCount).toBe(0);
  });

  test('do-not-disturb declines incoming calls as busy and shows in the tray', async ({ phoneFor }) => {
    const a = await phoneFor('1008');
    const b = await phoneFor('1009');
    await expectRegistered(a.page);
    await expectRegistered(b.page);
    await b.page.getByTestId('tab-settings').click();
    await b.page.getByTestId('desktop-doNotDisturb').check();
    await expect.poll(() => b.desktop.lastTray()?.icon).toBe('dnd');

    await dial(a.page, '1009');
    await expect(a.page.getByTestId('last-call')).toHaveAttribute('data-outcome', 'rejected');
    await expect.poll(() => b.history()[0]?.outcome).toBe('rejected');
  });
});

test.describe('global shortcuts and mute', () => {
  test('shortcuts answer and mute; a key held by another app is reported', async ({ phoneFor }) => {
    const a = await phoneFor('1001');
    const b = await phoneFor('1002', { takenShortcuts: ['CommandOrControl+Shift+F'] });
    await expectRegistered(a.page);
    await expectRegistered(b.page);
    await b.page.getByTestId('tab-settings').click();
    await b.page.getByTestId('shortcut-answer').fill('CommandOrControl+Shift+A');
    await b.page.getByTestId('shortcut-mute').fill('CommandOrControl+Shift+M');
    await b.page.getByTestId('shortcut-focusDialer').fill('CommandOrControl+Shift+F');
    await b.page.getByTestId('save-desktop').click();
    await expect(b.page.getByTestId('conflict-focusDialer')).toHaveText('他のアプリが使用中のため登録できません');
    expect([...b.desktop.shortcuts.keys()].sort()).toEqual(['CommandOrControl+Shift+A', 'CommandOrControl+Shift+M']);

    await b.page.getByTestId('tab-phone').click();
    await dial(a.page, '1002');
    await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
    b.desktop.press('CommandOrControl+Shift+A');
    await expect(b.page.getByTestId('call-status')).toHaveText('通話中');

    const micEnabled = () =>
      b.page.evaluate(() =>
        (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
          .filter((pc) => pc.connectionState !== 'closed')
          .flatMap((pc) => pc.getSenders())
          .every((s) => s.track?.enabled !== false),
      );
    expect(await micEnabled()).toBe(true);
    b.desktop.press('CommandOrControl+Shift+M');
    await expect(b.page.getByTestId('mute-button')).toHaveAttribute('aria-pressed', 'true');
    await expect(b.page.getByTestId('mute-button')).toHaveText('ミュート解除');
    expect(await micEnabled()).toBe(false);
    await b.page.getByTestId('mute-button').click();
    await expect(b.page.getByTestId('mute-button')).toHaveAttribute('aria-pressed', 'false');
    expect(await micEnabled()).toBe(true);
    await a.page.getByTestId('hangup-button').click();
  });
});
