import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_DTMF_TONES,
  acceptableReferTarget,
  dtmfInfoBody,
  glareRetryDelayMs,
  normalizeDtmf,
  parseDtmfInfo,
  replacesHeaderParam,
  sdpHoldsUs,
  sipfragStatus,
  transferProgress,
} from '../../../src-renderer/phone/call-control-helpers';

const sdp = (...lines: string[]) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...lines].join('\r\n');

describe('sdpHoldsUs', () => {
  it.each([
    ['sendrecv audio', sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=sendrecv'), false],
    ['no direction (sendrecv by default)', sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 127.0.0.1'), false],
    ['sendonly audio (RFC 3264 hold)', sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 127.0.0.1', 'a=sendonly'), true],
    ['inactive audio (double hold)', sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 127.0.0.1', 'a=inactive'), true],
    ['recvonly audio (they resume while we hold)', sdp('m=audio 9 RTP/AVP 0', 'c=IN IP4 127.0.0.1', 'a=recvonly'), false],
    ['session-level sendonly', sdp('a=sendonly', 'm=audio 9 RTP/AVP 0', 'c=IN IP4 127.0.0.1'), true],
    ['media-level wins over session-level', sdp('a=sendonly', 'm=audio 9 RTP/AVP 0', 'c=IN IP4 127.0.0.1', 'a=sendrecv'), false],
    ['RFC 2543 hold (c=0.0.0.0 on a plain RTP gateway)', sdp('m=audio 49170 RTP/AVP 0', 'c=IN IP4 0.0.0.0'), true],
    ['WebRTC c=0.0.0.0 with ICE is not hold', sdp('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=ice-ufrag:abcd'), false],
    ['only video held', sdp('m=audio 9 RTP/AVP 0', 'c=IN IP4 127.0.0.1', 'a=sendrecv', 'm=video 9 RTP/AVP 96', 'a=inactive'), false],
    ['no audio at all', sdp('m=video 9 RTP/AVP 96', 'a=inactive'), false],
    ['LF line ends', 'v=0\nm=audio 9 RTP/AVP 0\nc=IN IP4 127.0.0.1\na=sendonly\n', true],
  ])('%s → %s', (_name, text, held) => {
    expect(sdpHoldsUs(text)).toBe(held);
  });

  it('never throws on any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => typeof sdpHoldsUs(text) === 'boolean'));
  });
});

describe('glareRetryDelayMs (RFC 3261 §14.1)', () => {
  it('waits 2.1–4 s when we own the Call-ID, 0–2 s otherwise', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (r) => {
        const owner = glareRetryDelayMs(true, () => r);
        const other = glareRetryDelayMs(false, () => r);
        return owner >= 2100 && owner <= 4000 && other >= 0 && other <= 2000;
      }),
    );
  });

  it('clamps a broken random source', () => {
    expect(glareRetryDelayMs(true, () => 7)).toBe(4000);
    expect(glareRetryDelayMs(false, () => -1)).toBe(0);
  });
});

describe('DTMF', () => {
  it('takes 0-9 * # A-D (any case) and refuses everything else', () => {
    expect(normalizeDtmf('1#*9')).toBe('1#*9');
    expect(normalizeDtmf('abcd')).toBe('ABCD');
    for (const bad of ['', '1 2', '+', 'E', '１', '1\r\n', 'x'.repeat(2)]) expect(normalizeDtmf(bad)).toBeNull();
    expect(normalizeDtmf('1'.repeat(MAX_DTMF_TONES))).not.toBeNull();
    expect(normalizeDtmf('1'.repeat(MAX_DTMF_TONES + 1))).toBeNull();
  });

  it('writes and reads application/dtmf-relay bodies', () => {
    expect(dtmfInfoBody('#')).toBe('Signal=#\r\nDuration=100\r\n');
    for (const tone of ['0', '5', '9', '*', '#', 'A', 'D']) expect(parseDtmfInfo(dtmfInfoBody(tone))).toBe(tone);
    expect(parseDtmfInfo('Signal= 7\nDuration=160')).toBe('7');
    expect(parseDtmfInfo('Duration=100')).toBeNull();
    expect(parseDtmfInfo('Signal=<img>')).toBeNull();
  });
});

describe('transfer', () => {
  it('reads the status of a REFER progress NOTIFY (message/sipfrag)', () => {
    expect(sipfragStatus('SIP/2.0 100 Trying')).toBe(100);
    expect(sipfragStatus('SIP/2.0 180 Ringing\r\n')).toBe(180);
    expect(sipfragStatus('  SIP/2.0 200 OK\r\nContact: <sip:x@y>')).toBe(200);
    expect(sipfragStatus('SIP/2.0 486')).toBe(486);
    for (const bad of ['', 'HTTP/1.1 200 OK', 'SIP/2.0 2000 OK', 'garbage']) expect(sipfragStatus(bad)).toBeNull();
  });

  it('maps a sipfrag status to trying / done / failed', () => {
    expect(transferProgress(100)).toBe('trying');
    expect(transferProgress(183)).toBe('trying');
    expect(transferProgress(200)).toBe('done');
    expect(transferProgress(486)).toBe('failed');
    expect(transferProgress(603)).toBe('failed');
  });

  it('builds Replaces from the far end’s view of the dialog, escaped for a URI header', () => {
    const value = replacesHeaderParam('abc@host', 'ourTag', 'theirTag');
    expect(decodeURIComponent(value)).toBe('abc@host;to-tag=theirTag;from-tag=ourTag');
    expect(value).not.toMatch(/[;=@]/);
  });

  it('follows a REFER only to a sip:/sips: target inside our own domain', () => {
    const ok = (scheme: string, host: string) => acceptableReferTarget({ scheme, host, replaces: false }, 'pbx.example.jp');
    expect(ok('sip', 'pbx.example.jp')).toBe(true);
    expect(ok('SIPS', 'PBX.Example.JP')).toBe(true);
    expect(ok('sip', 'evil.example')).toBe(false);
    expect(ok('sip', 'pbx.example.jp.evil.example')).toBe(false);
    expect(ok('tel', 'pbx.example.jp')).toBe(false);
    expect(ok('http', 'pbx.example.jp')).toBe(false);
  });
});
