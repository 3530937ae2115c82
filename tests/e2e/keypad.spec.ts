// Number entry as users do it: keypad clicks, typing anywhere, pasting formatted numbers,
// backspace and clear; and the UI in English when chosen.
import { expect, expectRegistered, test } from './fixtures';

test('keypad, keyboard, paste, backspace and clear all edit the number', async ({ phoneFor }) => {
  const { page } = await phoneFor('1009');
  await expectRegistered(page);
  const input = page.getByTestId('dial-input');
  await expect(page.getByTestId('call-status')).toHaveText('待機中');
  await expect(page.getByTestId('call-button')).toBeDisabled();

  for (const key of ['0', '3', '*', '#']) await page.getByTestId(`key-${key}`).click();
  await expect(input).toHaveValue('03*#');
  await page.getByTestId('backspace').click();
  await page.getByTestId('backspace').click();
  await expect(input).toHaveValue('03');

  // Typing with focus outside the field still reaches the number.
  await page.getByTestId('registration-lamp').click();
  await page.keyboard.type('1234');
  await expect(input).toHaveValue('031234');
  await page.keyboard.press('Backspace');
  await expect(input).toHaveValue('03123');

  await page.getByTestId('clear').click();
  await expect(input).toHaveValue('');

  // A pasted, formatted number is normalised (full-width digits, hyphens, parentheses).
  await input.focus();
  await page.keyboard.insertText('（０３）１２３４－５６７８');
  await expect(input).toHaveValue('0312345678');
  await expect(page.getByTestId('call-button')).toBeEnabled();
  await expect(page.getByTestId('call-button')).toHaveText('IP電話');
});

test('the UI switches to English and back, and remembers it', async ({ phoneFor }) => {
  const app = await phoneFor('1009');
  const { page } = app;
  await expectRegistered(page);
  await page.getByTestId('tab-settings').click();
  await page.getByTestId('language').selectOption('en');
  await expect(page.getByTestId('registration-label')).toHaveText('Ready');
  await expect(page.getByTestId('tab-phone')).toHaveText('Phone');
  expect(app.services.settings.view().language).toBe('en');

  await page.reload();
  await expect(page.getByTestId('registration-label')).toHaveText('Ready');
  await page.getByTestId('tab-phone').click();
  await expect(page.getByTestId('call-status')).toHaveText('Idle');
});

test('with the language on “system”, the UI follows the OS locale', async ({ openPhone }) => {
  const english = await openPhone({ label: 'en', systemLocale: 'en-US' });
  await expect(english.page.getByTestId('registration-label')).toHaveText('Not set up');
  const japanese = await openPhone({ label: 'ja', systemLocale: 'ja-JP' });
  await expect(japanese.page.getByTestId('registration-label')).toHaveText('未設定');
});
