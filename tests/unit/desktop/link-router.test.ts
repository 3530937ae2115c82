import { describe, expect, it } from 'vitest';
import { createLinkRouter, findCallLinkInArgv } from '../../../src-main/protocol/link-router';
import { quietLog } from '../../support/main-services';

function router(dialImmediately = false) {
  const sent: unknown[] = [];
  let shown = 0;
  const r = createLinkRouter({
    send: (channel, payload) => sent.push([channel, payload]),
    dialImmediately: () => dialImmediately,
    showWindow: () => (shown += 1),
    log: quietLog,
  });
  return { r, sent, shown: () => shown };
}

describe('findCallLinkInArgv', () => {
  it('finds exactly one call link among Chromium switches', () => {
    expect(findCallLinkInArgv(['Tsunagu.exe', '--', 'tel:0312345678'])).toBe('tel:0312345678');
    expect(findCallLinkInArgv(['Tsunagu.exe', '--allow-file-access-from-files', '--original-process-start-time=1', '--', 'SIP:1001@pbx.example.jp'])).toBe('SIP:1001@pbx.example.jp');
    expect(findCallLinkInArgv(['electron', '/app/out/main/index.js', '--', 'callto:0312345678'])).toBe('callto:0312345678');
  });

  it('ignores launches without a link, with two links, or with links disguised as switches', () => {
    expect(findCallLinkInArgv(['Tsunagu.exe'])).toBeNull();
    expect(findCallLinkInArgv(['Tsunagu.exe', 'tel:1', 'tel:2'])).toBeNull();
    expect(findCallLinkInArgv(['Tsunagu.exe', '--gpu-launcher=tel:1'])).toBeNull();
    expect(findCallLinkInArgv(['Tsunagu.exe', 'https://example.jp', 'C:\\x.txt'])).toBeNull();
  });
});

describe('link router', () => {
  it('queues the latest link until the page is ready, then delivers it once', () => {
    const { r, sent } = router();
    expect(r.handleLink('tel:1111')).toBe(true);
    expect(r.handleLink('tel:03-1234-5678')).toBe(true);
    expect(sent).toEqual([]);
    r.rendererReady();
    expect(sent).toEqual([['tsunagu:event:dial-request', { target: '0312345678', dialImmediately: false }]]);
    r.rendererReady();
    expect(sent).toHaveLength(1);
  });

  it('delivers at once when ready, brings the window forward, and honours dial-at-once', () => {
    const { r, sent, shown } = router(true);
    r.rendererReady();
    expect(r.handleArgv(['x', '--', 'sip:1002@lab.test?Replaces=abc'])).toBe(true);
    expect(sent).toEqual([['tsunagu:event:dial-request', { target: 'sip:1002@lab.test', dialImmediately: true }]]);
    expect(shown()).toBe(1);
  });

  it('queues again while the page reloads', () => {
    const { r, sent } = router();
    r.rendererReady();
    r.rendererGone();
    r.handleLink('tel:1002');
    expect(sent).toEqual([]);
    r.rendererReady();
    expect(sent).toHaveLength(1);
  });

  it('refuses hostile links without sending or showing anything', () => {
    const { r, sent, shown } = router();
    r.rendererReady();
    for (const link of ['javascript:alert(1)', 'tel:1\u202E2', 'tel:12 --gpu-launcher=calc', 'file:///etc/passwd']) expect(r.handleLink(link)).toBe(false);
    expect(sent).toEqual([]);
    expect(shown()).toBe(0);
  });
});

describe('link router: provisioning links', () => {
  const link = 'tsunagu://provision?user=1001&domain=pbx.example.jp&ws=wss%3A%2F%2Fpbx.example.jp%2Fws&password=p%2Bss';

  it('never saves: the page gets the draft (queued until ready) to show and confirm', () => {
    const { r, sent, shown } = router();
    expect(r.handleArgv(['Tsunagu.exe', '--', link])).toBe(true);
    expect(sent).toEqual([]);
    r.rendererReady();
    expect(sent).toEqual([
      [
        'tsunagu:event:provision-request',
        {
          ok: true,
          row: null,
          account: { user: '1001', authorizationUser: '', domain: 'pbx.example.jp', wsServer: 'wss://pbx.example.jp/ws', outboundProxy: '', displayName: '', serviceCode: '' },
          password: 'p+ss',
          derived: [],
        },
      ],
    ]);
    expect(shown()).toBe(1);
  });

  it('refuses a bad provisioning link, logging the reason but never the link (it may carry a password)', () => {
    const warnings: string[] = [];
    const sent: unknown[] = [];
    const r = createLinkRouter({ send: (c, p) => sent.push([c, p]), dialImmediately: () => false, showWindow: () => undefined, log: { ...quietLog, warn: (m) => warnings.push(m) } });
    r.rendererReady();
    expect(r.handleLink('tsunagu://provision?user=1001&domain=pbx.example.jp&password=hunter2&x=1')).toBe(false);
    expect(r.handleLink('tsunagu://provision?user=1001&user=1002&domain=pbx.example.jp')).toBe(false);
    expect(sent).toEqual([]);
    expect(warnings).toEqual(['refused a provisioning link: unknown-parameter', 'refused a provisioning link: malformed']);
    expect(warnings.join()).not.toContain('hunter2');
  });
});
