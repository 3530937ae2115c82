// The line pad (外線パッド) as users set it up and press it: buttons configured in 設定 and
// validated, the chosen line shown while dialling and used for the call, one-touch keys, and the
// voicemail feature codes built from the extension.
import type { Page } from '@playwright/test';
import type { CallButtons } from '../../src-preload/contract';
import type { MainServices } from '../../src-main/app/main-services';
import { expect, expectRegistered, receivedSip, test } from './fixtures';

const withButtons = (patch: (buttons: CallButtons) => CallButtons) => (services: MainServices) => {
  services.settings.setCallButtons(patch(services.settings.view().callButtons));
};

/** R-URIs of the INVITEs the page has sent (instrumented by bridge-init). */
const sentInvites = (page: Page) =>
  page.evaluate(() => (window as unknown as { __sipSent: string[] }).__sipSent.filter((line) => line.startsWith('INVITE ')).map((line) => line.split(' ')[1]));

test('buttons are set up in 設定; a bad code is refused in Japanese and nothing is lost', async ({ phoneFor }) => {
  const app = await phoneFor('1001');
  const { page } = app;
  await page.getByTestId('tab-settings').click();
  const editor = page.getByTestId('call-buttons-settings');
  await editor.getByTestId('buttons-oneTouch-add').click();
  await editor.getByTestId('buttons-oneTouch.0.label').fill('受付');
  await editor.getByTestId('buttons-oneTouch.0.number').fill('10-02');
  await editor.getByTestId('buttons-lines-add').click();
  await editor.getByTestId('buttons-lines.0.label').fill('本社回線');
  await editor.getByTestId('buttons-save').click();
  await expect(editor.getByTestId('buttons-error-oneTouch.0.number')).toHaveText('数字と * # + のみ入力できます');
  expect(app.services.settings.view().callButtons.oneTouch).toEqual([]);
  // What the user typed is still there to correct.
  await expect(editor.getByTestId('buttons-lines.0.label')).toHaveValue('本社回線');
  await editor.getByTestId('buttons-oneTouch.0.number').fill('1002');
  await editor.getByTestId('buttons-save').click();
  await expect(editor.getByTestId('buttons-saved')).toBeVisible();
  expect(app.services.settings.view().callButtons).toMatchObject({ oneTouch: [{ label: '受付', number: '1002' }], lines: [{ label: '本社回線', prefix: '', identity: '' }] });
  await page.getByTestId('tab-phone').click();
  await expect(page.getByTestId('one-touch')).toHaveText('受付');
  await expect(page.getByTestId('line-select')).toHaveText('本社回線');
});

test('a one-touch key calls its number in one click', async ({ phoneFor }) => {
  const app = await phoneFor('1002', { beforeLoad: withButtons((b) => ({ ...b, oneTouch: [{ label: '総務', number: '1003' }] })) });
  const callee = await phoneFor('1003');
  await expectRegistered(app.page);
  await expectRegistered(callee.page);
  await app.page.getByTestId('one-touch').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('着信中');
  await app.page.getByTestId('hangup-button').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('待機中');
});

test('the chosen line stays visible while dialling, adds its prefix and asks for its caller ID', async ({ phoneFor }) => {
  const app = await phoneFor('1004', {
    beforeLoad: withButtons((b) => ({
      ...b,
      lines: [
        { label: '代表', prefix: '', identity: '1009' },
        { label: '外線', prefix: '0', identity: '' },
      ],
    })),
  });
  const callee = await phoneFor('1005');
  await expectRegistered(app.page);
  await expectRegistered(callee.page);
  const { page } = app;
  await expect(page.getByTestId('selected-line')).toHaveCount(0);
  await page.getByTestId('line-select').filter({ hasText: '代表' }).click();
  await expect(page.getByTestId('selected-line')).toHaveText('発信回線: 代表');
  await page.getByTestId('dial-input').fill('1005');
  await page.getByTestId('call-button').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('着信中');
  const invite = (await receivedSip(callee.page)).find((message) => message.startsWith('INVITE '))!;
  expect(invite).toMatch(/^P-Preferred-Identity: <sip:1009@lab\.test>\r$/m);
  await page.getByTestId('hangup-button').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('待機中');

  // The outside line dials its prefix in front of the number; the history keeps what was typed.
  await page.getByTestId('line-select').filter({ hasText: '外線' }).click();
  await expect(page.getByTestId('selected-line')).toHaveText('発信回線: 外線');
  await page.getByTestId('dial-input').fill('0312345678');
  await page.getByTestId('call-button').click();
  await expect.poll(() => sentInvites(page)).toContain('sip:00312345678@lab.test');
  await expect.poll(() => app.history()[0]?.outcome ?? null).not.toBeNull();
  expect(app.history()[0]).toMatchObject({ remoteNumber: '0312345678', direction: 'outgoing' });
});

test('留守電開始 / 終了 / 状態 dial the PBX’s codes built from our extension', async ({ phoneFor }) => {
  const app = await phoneFor('1006');
  await expectRegistered(app.page);
  const { page } = app;
  for (const [button, uri] of [
    ['voicemail-start', 'sip:*711006@lab.test'],
    ['voicemail-stop', 'sip:*72@lab.test'],
    ['voicemail-status', 'sip:*731006@lab.test'],
  ] as const) {
    await page.getByTestId(button).click();
    await expect.poll(() => sentInvites(page)).toContain(uri);
    // The lab PBX has no voicemail: the call ends by itself and the phone is free again.
    await expect(page.getByTestId('call-status')).toHaveText('待機中');
  }
});
