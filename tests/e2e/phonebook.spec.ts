// The personal phonebook end to end: the real renderer, the real contacts service on a real
// SQLite file, a real Kamailio for the calls.
import { dial, expect, expectRegistered, test } from './fixtures';

const taro = {
  name: '山田 太郎',
  kana: 'ヤマダ タロウ',
  company: '株式会社つなぐ',
  department: '営業部',
  numbers: [{ label: '会社', number: '03-1234-5678' }],
  email: 'taro@example.jp',
  notes: '',
  favourite: false,
  photo: null,
};

test('add, search (kana- and number-aware), edit and delete a contact', async ({ phoneFor }) => {
  const app = await phoneFor('1001');
  const { page } = app;
  await page.getByTestId('tab-phonebook').click();
  await expect(page.getByTestId('phonebook-empty')).toBeVisible();

  await page.getByTestId('contact-add').click();
  await page.getByTestId('contact-name').fill('山田 太郎');
  await page.getByTestId('contact-kana').fill('ヤマダ タロウ');
  await page.getByTestId('contact-company').fill('株式会社つなぐ');
  await page.getByTestId('contact-number-0').fill('03-1234-5678');
  await page.getByTestId('contact-save').click();
  await expect(page.getByTestId('contact-row')).toHaveCount(1);

  // Hiragana finds katakana; half-width kana and other number formats find the same contact.
  for (const query of ['やまだ', 'ﾔﾏﾀﾞ', 'たろう', '0312345678', '+81 3 1234', '1234-5678', '山田', 'つなぐ']) {
    await page.getByTestId('phonebook-search').fill(query);
    await expect(page.getByTestId('contact-row'), query).toHaveCount(1);
  }
  await page.getByTestId('phonebook-search').fill('すずき');
  await expect(page.getByTestId('phonebook-empty')).toBeVisible();

  // A field error comes back translated, and nothing is saved.
  await page.getByTestId('phonebook-search').fill('');
  await page.getByTestId('contact-edit').click();
  await page.getByTestId('contact-email').fill('not an address');
  await page.getByTestId('contact-save').click();
  await expect(page.getByTestId('contact-form')).toContainText('メールアドレスの形式が正しくありません');
  await page.getByTestId('contact-email').fill('taro@example.jp');
  await page.getByTestId('contact-name').fill('山田 太郎（本社）');
  await page.getByTestId('contact-save').click();
  await expect(page.getByTestId('contact-name')).toHaveText('山田 太郎（本社）');

  await page.getByTestId('contact-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('「山田 太郎（本社）」を削除しますか?');
  await page.getByTestId('confirm-no').click();
  await expect(page.getByTestId('contact-row')).toHaveCount(1);
  await page.getByTestId('contact-delete').click();
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('phonebook-empty')).toBeVisible();
  expect(app.services.contacts.count()).toBe(0);
});

test('calling a contact asks 「…に発信しますか?」 and favourites call in one click', async ({ phoneFor }) => {
  const a = await phoneFor('1002');
  const b = await phoneFor('1003');
  a.services.contacts.create({ ...taro, name: '内線 1003', kana: 'ないせん', numbers: [{ label: '内線', number: '1003' }], favourite: true });
  await expectRegistered(a.page);
  await expectRegistered(b.page);
  await a.page.getByTestId('tab-phonebook').click();

  await a.page.getByTestId('contact-dial').click();
  await expect(a.page.getByTestId('confirm-dialog')).toContainText('内線 1003に発信しますか?');
  await a.page.getByTestId('confirm-no').click();
  await expect(a.page.getByTestId('confirm-dialog')).toHaveCount(0);
  await expect(b.page.getByTestId('call-status')).toHaveText('待機中');

  await a.page.getByTestId('favourite-call').click();
  await a.page.getByTestId('confirm-yes').click();
  await expect(a.page.getByTestId('call-status')).toHaveText('通話準備中');
  await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
  // The caller's own screen names the callee from the phonebook.
  await expect(a.page.getByTestId('remote-name')).toHaveText('内線 1003');
  await a.page.getByTestId('hangup-button').click();
  await expect(b.page.getByTestId('call-status')).toHaveText('待機中');
});

test('an incoming call from a stored number shows the stored name, in the UI and the notification', async ({ phoneFor }) => {
  const a = await phoneFor('1004');
  const b = await phoneFor('1005');
  // Stored in another format than the one the call carries.
  b.services.contacts.create({ ...taro, name: '佐藤 花子', kana: 'さとう はなこ', numbers: [{ label: '内線', number: '1004' }] });
  await expectRegistered(a.page);
  await expectRegistered(b.page);
  await dial(a.page, '1005');
  await expect(b.page.getByTestId('call-status')).toHaveText('着信中');
  await expect(b.page.getByTestId('remote-name')).toHaveText('佐藤 花子');
  await expect(b.page.getByTestId('remote-number')).toHaveText('1004');
  await expect.poll(() => b.desktop.notifications[0]?.content.title ?? '').toContain('佐藤 花子');
  await a.page.getByTestId('hangup-button').click();
  await expect(b.page.getByTestId('call-status')).toHaveText('待機中');
});
