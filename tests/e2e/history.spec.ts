// The history list as users work it: filter by type, search by number or phonebook name, sort
// by clicking headers, names resolved from the phonebook at display time, delete, call back.
import type { PhoneApp } from './harness/phone-app';
import { expect, expectRegistered, test } from './fixtures';

let n = 0;
function record(app: PhoneApp, call: { direction: 'incoming' | 'outgoing'; number: string; outcome: 'answered' | 'missed' | 'rejected' | 'cancelled'; name?: string }) {
  n += 1;
  const callId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  app.services.history.callStarted({ callId, direction: call.direction, remoteNumber: call.number, remoteName: call.name ?? null, localAccount: '1001@lab.test', sipCallId: null });
  if (call.outcome === 'answered') app.services.history.callAnswered(callId);
  app.services.history.callEnded({ callId, outcome: call.outcome, reason: null });
}

test('filter, search, sort, rename, delete and call back from the history', async ({ phoneFor }) => {
  const app = await phoneFor('1001');
  const callee = await phoneFor('1008');
  const taro = app.services.contacts.create({
    name: '山田 太郎', kana: 'やまだ たろう', company: '', department: '', numbers: [{ label: '会社', number: '03-1234-5678' }], email: '', notes: '', favourite: false, photo: null,
  });
  record(app, { direction: 'outgoing', number: '0312345678', outcome: 'answered' });
  record(app, { direction: 'incoming', number: '09011112222', outcome: 'missed', name: '<img src=x onerror=alert(1)>' });
  record(app, { direction: 'incoming', number: '0355556666', outcome: 'rejected' });
  record(app, { direction: 'incoming', number: '1008', outcome: 'answered' });
  await expectRegistered(app.page);
  await expectRegistered(callee.page);

  const { page } = app;
  await page.getByTestId('tab-history').click();
  const rows = page.getByTestId('history-row');
  await expect(rows).toHaveCount(4);
  // Newest first by default; the phonebook names the outgoing call; a hostile SIP name is inert text.
  await expect(rows.first()).toHaveAttribute('data-type', 'incoming');
  await expect(page.getByTestId('history-name').filter({ hasText: '山田 太郎' })).toHaveCount(1);
  await expect(page.getByText('<img src=x onerror=alert(1)>')).toHaveCount(1);

  await page.getByTestId('filter-missed').click();
  await expect(rows).toHaveCount(1);
  await expect(rows).toHaveAttribute('data-type', 'missed');
  await expect(rows).toContainText('不在');
  await page.getByTestId('filter-rejected').click();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('拒否');
  await page.getByTestId('filter-all').click();

  await page.getByTestId('history-search').fill('やまだ');
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('history-number')).toHaveText('0312345678');
  await page.getByTestId('history-search').fill('090-1111');
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('history-number')).toHaveText('09011112222');
  await page.getByTestId('history-search').fill('');

  await page.getByTestId('sort-number').click();
  await expect(page.getByTestId('sort-number')).toHaveAttribute('aria-sort', 'ascending');
  await expect(page.getByTestId('history-number')).toHaveText(['0312345678', '0355556666', '09011112222', '1008']);
  await page.getByTestId('sort-number').click();
  await expect(page.getByTestId('history-number')).toHaveText(['1008', '09011112222', '0355556666', '0312345678']);

  // Renaming the contact renames their history.
  app.services.contacts.update(taro.id, { ...taro, name: '山田 太郎（本社）' });
  await page.getByTestId('tab-phone').click();
  await page.getByTestId('tab-history').click();
  await expect(page.getByTestId('history-name').filter({ hasText: '山田 太郎（本社）' })).toHaveCount(1);

  // Delete one row, with confirmation.
  const before = app.services.history.list({ limit: 10 }).length;
  await rows.filter({ hasText: '0355556666' }).getByTestId('history-delete').click();
  await page.getByTestId('confirm-yes').click();
  await expect(rows).toHaveCount(3);
  expect(app.services.history.list({ limit: 10 })).toHaveLength(before - 1);

  // Call back from a row, through 「…に発信しますか?」.
  await rows.filter({ hasText: '1008' }).getByTestId('history-call').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('1008に発信しますか?');
  await page.getByTestId('confirm-yes').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('着信中');
  await page.getByTestId('hangup-button').click();
  await expect(callee.page.getByTestId('call-status')).toHaveText('待機中');
});
