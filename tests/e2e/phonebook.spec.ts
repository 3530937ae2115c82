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

test('importing a Shift_JIS CSV previews, reports bad rows, adds all-or-nothing; export writes the file', async ({ phoneFor }) => {
  const { encode } = (await import('iconv-lite')).default;
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tsunagu-import-'));
  const csv = ['氏名,フリガナ,会社名,電話番号,携帯', '山田 太郎,やまだ たろう,株式会社つなぐ,03-1234-5678,', '髙橋 ①子,タカハシ イチコ,東京商事,,090-1111-2222', ',なし,,0311112222,', '佐藤 花子,さとう はなこ,,電話してね,'].join('\r\n');
  const file = join(dir, '電話帳.csv');
  writeFileSync(file, encode(csv, 'cp932'));

  const app = await phoneFor('1006');
  const { page } = app;
  await page.getByTestId('tab-phonebook').click();

  app.desktop.files.open = file;
  await page.getByTestId('import-button').click();
  await expect(page.getByTestId('import-summary')).toContainText('2件を登録できます（全4件、Shift_JIS）');
  await expect(page.getByTestId('import-rejected-row')).toHaveCount(2);
  await expect(page.getByTestId('import-rejected')).toContainText('名前がありません');
  await expect(page.getByTestId('import-rejected')).toContainText('電話番号が正しくありません');
  // Cancelling adds nothing.
  await page.getByTestId('import-cancel').click();
  expect(app.services.contacts.count()).toBe(0);

  await page.getByTestId('import-button').click();
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('transfer-message')).toHaveText('2件を登録しました');
  await expect(page.getByTestId('contact-row')).toHaveCount(2);
  await page.getByTestId('phonebook-search').fill('たかはし');
  await expect(page.getByTestId('contact-name')).toHaveText('髙橋 ①子');
  expect(app.services.contacts.lookup('+819011112222')?.name).toBe('髙橋 ①子');

  // Export as Shift_JIS for Excel, then read it back.
  app.desktop.files.save = join(dir, 'export.csv');
  await page.getByTestId('export-format').selectOption('csv-sjis');
  await page.getByTestId('export-button').click();
  await expect(page.getByTestId('transfer-message')).toHaveText('2件を書き出しました');
  const exported = (await import('iconv-lite')).default.decode(readFileSync(join(dir, 'export.csv')), 'cp932');
  expect(exported).toContain('髙橋 ①子');
  expect(exported).toContain('山田 太郎');

  // A file that is not text at all is refused with a translated reason, and nothing changes.
  writeFileSync(join(dir, 'garbage.csv'), Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x00, 0xfd, 0xa0, 0x80]));
  app.desktop.files.open = join(dir, 'garbage.csv');
  await page.getByTestId('import-button').click();
  await expect(page.getByTestId('import-apply')).toBeDisabled();
  await page.getByTestId('import-cancel').click();
  expect(app.services.contacts.count()).toBe(2);
});
