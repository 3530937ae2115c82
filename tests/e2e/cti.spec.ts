// The CTI pop-up (顧客情報表示・CTI連動, issue 7) between real browser phones through Kamailio: the
// caller panel shows the number, the phonebook name, the line called and 前回通話 from our own
// history; its buttons and the automatic 電話受付 open the company's pages with every value
// URL-encoded (a name with &, #, spaces and Japanese cannot add parameters); internal calls can
// be skipped.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CTI, type CtiSettings } from '../../src-preload/contract';
import { dial, expect, expectRegistered, test } from './fixtures';
import type { PhoneApp } from './harness/phone-app';

const status = (app: PhoneApp) => app.page.getByTestId('call-status');
const HOSTILE_NAME = '山田 & 佐藤 #1';

const CTI: CtiSettings = {
  ...DEFAULT_CTI,
  enabled: true,
  showOnRing: true,
  skipInternal: false,
  autoOpenReception: true,
  urls: {
    reception: 'https://crm.example.jp/reception?tel={number}&name={name}&to={called}&line={line}&dir={direction}&id={callId}',
    customerList: 'https://crm.example.jp/customers/{number}#{name}',
    linkedPhonebook: '',
  },
};

async function ringAndAnswer(caller: PhoneApp, me: PhoneApp, number: string): Promise<void> {
  await dial(caller.page, number);
  await expect(status(me)).toHaveText('着信中');
}

async function endCall(caller: PhoneApp, me: PhoneApp): Promise<void> {
  await me.page.getByTestId('answer-button').click();
  await expect(status(caller)).toHaveText('通話中');
  await caller.page.getByTestId('hangup-button').click();
  await expect(status(me)).toHaveText('待機中');
  await expect.poll(() => me.history()[0]?.outcome ?? null).toBe('answered');
}

test('the caller panel: phonebook name, line called, 前回通話, encoded URLs, internal calls skipped', async ({ phoneFor }) => {
  const me = await phoneFor('1001', {
    beforeLoad: (services) => {
      services.settings.setCti(CTI);
      services.contacts.create({ name: HOSTILE_NAME, kana: '', company: '', department: '', numbers: [{ label: '会社', number: '1002' }], email: '', notes: '', favourite: false, photo: null });
    },
  });
  const caller = await phoneFor('1002');
  await expectRegistered(me.page);
  await expectRegistered(caller.page);

  // First call: no history with this number yet.
  await ringAndAnswer(caller, me, '1001');
  const panel = me.page.getByTestId('cti-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('cti-number')).toHaveText('1002');
  await expect(panel.getByTestId('cti-name')).toHaveText(HOSTILE_NAME);
  await expect(panel.getByTestId('cti-called')).toHaveText('1001@lab.test');
  await expect(panel.getByTestId('cti-last-call')).toHaveText('履歴なし');
  // 電話受付 opened by itself, once, with the name (it waits briefly for the phonebook).
  const callId = await panel.getAttribute('data-call-id');
  await expect.poll(() => me.desktop.opened.length).toBe(1);
  const reception = new URL(me.desktop.opened[0]!);
  expect(reception.origin + reception.pathname).toBe('https://crm.example.jp/reception');
  expect([...reception.searchParams.keys()]).toEqual(['tel', 'name', 'to', 'line', 'dir', 'id']);
  expect(Object.fromEntries(reception.searchParams)).toEqual({ tel: '1002', name: HOSTILE_NAME, to: '1001@lab.test', line: '1001', dir: 'incoming', id: callId });
  expect(me.desktop.opened[0]).toContain('name=%E5%B1%B1%E7%94%B0%20%26%20%E4%BD%90%E8%97%A4%20%231&');
  await endCall(caller, me);
  // The panel stays after the call (the user is still taking notes).
  await expect(panel).toBeVisible();

  // Second call: 前回通話 is the first one, taken on 1001.
  await ringAndAnswer(caller, me, '1001');
  await expect(panel).not.toHaveAttribute('data-call-id', callId!);
  await expect(panel.getByTestId('cti-last-call')).toHaveAttribute('data-loaded', 'true');
  await expect(panel.getByTestId('cti-last-call')).toContainText('着信（1001@lab.test）');
  const first = me.history().find((row) => row.callId === callId)!;
  const shownDate = await me.page.evaluate((at) => new Date(at).toLocaleString('ja-JP', { dateStyle: 'medium', timeStyle: 'short' }), first.startedAt);
  await expect(panel.getByTestId('cti-last-call')).toContainText(shownDate);
  // A button opens its page: the fragment carries the name encoded, nothing else changes.
  await panel.getByTestId('cti-open-customerList').click();
  await expect.poll(() => me.desktop.opened.length).toBe(3);
  expect(me.desktop.opened[2]).toBe('https://crm.example.jp/customers/1002#%E5%B1%B1%E7%94%B0%20%26%20%E4%BD%90%E8%97%A4%20%231');
  await expect(panel.getByTestId('cti-open-linkedPhonebook')).toHaveCount(0);
  await endCall(caller, me);

  // Internal calls skipped: 1002 has four digits, an extension here.
  await panel.getByTestId('cti-close').click();
  me.services.settings.setCti({ ...CTI, skipInternal: true, internalMaxDigits: 4 });
  await ringAndAnswer(caller, me, '1001');
  await me.page.waitForTimeout(2000);
  await expect(me.page.getByTestId('cti-panel')).toHaveCount(0);
  expect(me.desktop.opened).toHaveLength(3);
  await endCall(caller, me);
});

test('settings refuse a template with a placeholder in the host or plain http, and save a good one', async ({ phoneFor }) => {
  const me = await phoneFor('1003');
  await me.page.getByTestId('tab-settings').click();
  const form = me.page.getByTestId('cti-settings');
  await form.getByTestId('cti-enabled').check();
  await form.getByTestId('cti-urls-reception').fill('https://{name}.crm.example.jp/?tel={number}');
  await form.getByTestId('cti-urls-customerList').fill('http://crm.example.jp/?tel={number}');
  await form.getByTestId('cti-urls-linkedPhonebook').fill('https://crm.example.jp/?q={unknown}');
  await form.getByTestId('cti-save').click();
  await expect(form.getByTestId('cti-error-urls-reception')).toHaveText('ホスト名の部分には {…} を使用できません（https://ホスト/ の後に置いてください）');
  await expect(form.getByTestId('cti-error-urls-customerList')).toHaveText('https:// で始まるURLを入力してください');
  await expect(form.getByTestId('cti-error-urls-linkedPhonebook')).toContainText('{number}');
  expect(me.services.settings.view().cti.enabled).toBe(false);

  await form.getByTestId('cti-urls-reception').fill('https://crm.example.jp/?tel={number}');
  await form.getByTestId('cti-urls-customerList').fill('');
  await form.getByTestId('cti-urls-linkedPhonebook').fill('');
  await form.getByTestId('cti-save').click();
  await expect(form.getByTestId('cti-saved')).toBeVisible();
  expect(me.services.settings.view().cti).toMatchObject({ enabled: true, urls: { reception: 'https://crm.example.jp/?tel={number}' } });
});

test('webhooks: ring, answer and end reach a local receiver as JSON', async ({ phoneFor }) => {
  const received: { path: string; key: string | undefined; body: Record<string, unknown> }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const me = await phoneFor('1004', {
      beforeLoad: (services) =>
        services.settings.setCti({
          ...DEFAULT_CTI,
          enabled: true,
          showOnRing: false,
          webhooks: { ring: `${base}/ring?from={number}`, answer: `${base}/answer`, end: `${base}/end`, missed: `${base}/missed`, outgoing: '' },
        }),
    });
    const caller = await phoneFor('1005');
    await expectRegistered(me.page);
    await expectRegistered(caller.page);
    await ringAndAnswer(caller, me, '1004');
    await endCall(caller, me);
    await expect.poll(() => received.map((r) => r.path).sort()).toEqual(['/answer', '/end', '/ring?from=1005']);
    const callId = me.history()[0]!.callId;
    for (const r of received) {
      expect(r.body).toMatchObject({ schema: 'tsunagu.call-event/1', callId, direction: 'incoming', number: '1005', localAccount: '1004@lab.test' });
      expect(r.key).toBe(`${callId}:${String(r.body.event)}`);
    }
    // A call not answered is a missed call (and no answer/end).
    await dial(caller.page, '1004');
    await expect(status(me)).toHaveText('着信中');
    await caller.page.getByTestId('hangup-button').click();
    await expect(status(me)).toHaveText('待機中');
    await expect.poll(() => received.filter((r) => r.path === '/missed').length).toBe(1);
    expect(received.filter((r) => r.path === '/end')).toHaveLength(1);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
