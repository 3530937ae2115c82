import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lampState, mergeDialogs, parseDialogInfo, parseMessageSummary } from '../../../src-renderer/phone/presence-parsers';

const dialogInfo = (state: 'full' | 'partial', dialogs: string) =>
  `<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="${state}" entity="sip:1002@lab.test">${dialogs}</dialog-info>`;

describe('parseDialogInfo', () => {
  it('reads a ringing dialog with its ids and the remote party', () => {
    const doc = parseDialogInfo(
      dialogInfo(
        'full',
        '<dialog id="a1" call-id="c@h" local-tag="lt" remote-tag="rt" direction="recipient"><state>early</state><remote><identity display="山田">sip:1001@lab.test</identity></remote></dialog>',
      ),
    );
    expect(doc).toEqual({
      full: true,
      version: 3,
      dialogs: [{ id: 'a1', state: 'early', direction: 'recipient', callId: 'c@h', localTag: 'lt', remoteTag: 'rt', remoteIdentity: 'sip:1001@lab.test' }],
    });
    expect(lampState(doc!.dialogs)).toBe('ringing');
  });

  it('takes Kamailio’s namespaced, attribute-light form and an empty full state', () => {
    const doc = parseDialogInfo('<d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:701@lab.test"/>');
    expect(doc).toEqual({ full: true, version: 0, dialogs: [] });
    expect(lampState(doc!.dialogs)).toBe('idle');
  });

  it('refuses what is not dialog-info, and never throws', () => {
    for (const body of ['', 'not xml', '<presence/>', '<dialog-info><dialog id="x"><state>dancing</state></dialog></dialog-info>']) {
      const doc = parseDialogInfo(body);
      expect(doc === null || doc.dialogs.length === 0).toBe(true);
    }
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (body) => parseDialogInfo(body) === null || Array.isArray(parseDialogInfo(body)!.dialogs)));
  });

  it('does not expand entities (billion laughs) and caps what it keeps', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${dialogInfo('full', '<dialog id="&b;"><state>confirmed</state></dialog>')}`;
    const doc = parseDialogInfo(bomb);
    expect(doc?.dialogs.every((d) => d.id.length < 20) ?? true).toBe(true);
    const many = dialogInfo('full', Array.from({ length: 200 }, (_, i) => `<dialog id="d${i}"><state>confirmed</state></dialog>`).join(''));
    expect(parseDialogInfo(many)!.dialogs).toHaveLength(32);
    expect(parseDialogInfo('x'.repeat(70_000))).toBeNull();
  });

  it('keeps hostile identities as plain text', () => {
    const doc = parseDialogInfo(dialogInfo('full', '<dialog id="z"><state>confirmed</state><remote><identity>sip:&lt;img src=x onerror=alert(1)&gt;@evil\u0007</identity></remote></dialog>'));
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(doc!.dialogs[0]!.remoteIdentity).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('mergeDialogs and lampState', () => {
  const early = { id: 'a', state: 'early' as const, direction: 'recipient' as const, callId: null, localTag: null, remoteTag: null, remoteIdentity: null };
  it('full replaces, partial merges, terminated leaves', () => {
    const ringing = mergeDialogs([], { full: true, version: 1, dialogs: [early] });
    expect(lampState(ringing)).toBe('ringing');
    const talking = mergeDialogs(ringing, { full: false, version: 2, dialogs: [{ ...early, state: 'confirmed' }] });
    expect(lampState(talking)).toBe('busy');
    const second = mergeDialogs(talking, { full: false, version: 3, dialogs: [{ ...early, id: 'b' }] });
    expect(second).toHaveLength(2);
    expect(lampState(second)).toBe('ringing');
    const over = mergeDialogs(second, { full: true, version: 4, dialogs: [{ ...early, id: 'b', state: 'terminated' }] });
    expect(over).toEqual([]);
    expect(lampState(over)).toBe('idle');
  });

  it('an outgoing call of the watched party is busy, not ringing', () => {
    expect(lampState([{ ...early, direction: 'initiator' }])).toBe('busy');
  });
});

describe('parseMessageSummary', () => {
  it('reads waiting and the counts (RFC 3842)', () => {
    expect(parseMessageSummary('Messages-Waiting: yes\r\nMessage-Account: sip:1001@lab.test\r\nVoice-Message: 2/8 (0/2)\r\n')).toEqual({ waiting: true, newMessages: 2, oldMessages: 8 });
    expect(parseMessageSummary('Messages-Waiting: no\r\n')).toEqual({ waiting: false, newMessages: 0, oldMessages: 0 });
    expect(parseMessageSummary('messages-waiting:YES')).toMatchObject({ waiting: true });
  });

  it('refuses other bodies', () => {
    for (const body of ['', 'Voice-Message: 1/0', 'Messages-Waiting: maybe', '<xml/>']) expect(parseMessageSummary(body)).toBeNull();
  });
});
