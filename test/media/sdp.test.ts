import { parse } from 'sdp-transform';
import { PCMA, PCMU, type Codec } from '../../src/media/embedded/codecs';
import { buildAnswer, buildOffer, negotiateAnswer, negotiateOffer } from '../../src/media/embedded/sdp';
import { InvalidSdpError, NoCommonCodecError } from '../../src/media/types';

const G722: Codec = { name: 'G722', payloadType: 9, sampleRate: 16000, encode: () => Buffer.alloc(0) };
const ours = [PCMU, PCMA, G722];
const local = { address: '127.0.0.1', port: 40000, sessionId: '42', sessionVersion: 1 };

function offer(media: string[], { ip = 'IP4 192.0.2.10', session = [] as string[] } = {}): string {
  return ['v=0', `o=- 1 1 IN ${ip}`, 's=-', `c=IN ${ip}`, 't=0 0', ...session, ...media].join('\r\n') + '\r\n';
}

const phoneAudio = [
  'm=audio 5004 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
];

describe('negotiateOffer', () => {
  it("honours the caller's codec order", () => {
    const n = negotiateOffer(offer(phoneAudio), ours, '127.0.0.1');
    expect(n.codec.name).toBe('PCMA');
    expect(n.payloadType).toBe(8);
    expect(n.remote).toEqual({ address: '192.0.2.10', port: 5004 });
    expect(n.telephoneEvent).toEqual({ payloadType: 101, events: '0-15' });
    expect(n.direction).toBe('sendrecv');
  });

  it('picks G.722 when the caller prefers it and we have it, and skips it when we do not', () => {
    const media = ['m=audio 5004 RTP/AVP 9 0', 'a=rtpmap:9 G722/8000'];
    expect(negotiateOffer(offer(media), ours, '127.0.0.1').codec.name).toBe('G722');
    expect(negotiateOffer(offer(media), [PCMU, PCMA], '127.0.0.1').codec.name).toBe('PCMU');
  });

  it('understands static payload types without rtpmap and keeps a dynamic mapping', () => {
    expect(negotiateOffer(offer(['m=audio 5004 RTP/AVP 18 0']), ours, '127.0.0.1').codec.name).toBe('PCMU');
    const dynamic = negotiateOffer(offer(['m=audio 5004 RTP/AVP 96', 'a=rtpmap:96 pcmu/8000']), ours, '127.0.0.1');
    expect([dynamic.codec.name, dynamic.payloadType]).toEqual(['PCMU', 96]);
  });

  it('leaves telephone-event out when not offered and at other clock rates', () => {
    expect(negotiateOffer(offer(['m=audio 5004 RTP/AVP 0']), ours, '127.0.0.1').telephoneEvent).toBeUndefined();
    const wideband = ['m=audio 5004 RTP/AVP 0 100', 'a=rtpmap:100 telephone-event/48000'];
    expect(negotiateOffer(offer(wideband), ours, '127.0.0.1').telephoneEvent).toBeUndefined();
  });

  it('throws NoCommonCodecError when nothing matches', () => {
    const media = ['m=audio 5004 RTP/AVP 18 96', 'a=rtpmap:18 G729/8000', 'a=rtpmap:96 opus/48000/2'];
    expect(() => negotiateOffer(offer(media), ours, '127.0.0.1')).toThrow(NoCommonCodecError);
  });

  it('throws NoCommonCodecError for secure-only or disabled audio and for another address family', () => {
    expect(() => negotiateOffer(offer(['m=audio 5004 RTP/SAVP 0']), ours, '127.0.0.1')).toThrow(NoCommonCodecError);
    expect(() => negotiateOffer(offer(['m=audio 0 RTP/AVP 0']), ours, '127.0.0.1')).toThrow(NoCommonCodecError);
    expect(() => negotiateOffer(offer(['m=audio 5004 RTP/AVP 0'], { ip: 'IP6 2001:db8::1' }), ours, '127.0.0.1')).toThrow(
      NoCommonCodecError,
    );
  });

  it.each([
    ['garbage', 'hello world'],
    ['empty', ''],
    ['no media', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n'],
    ['video only', offer(['m=video 5006 RTP/AVP 96'])],
    ['no c= line', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n'],
  ])('throws InvalidSdpError for %s', (_label, body) => {
    expect(() => negotiateOffer(body, ours, '127.0.0.1')).toThrow(InvalidSdpError);
  });

  it('maps the offered direction to ours', () => {
    const direction = (attribute: string): string =>
      negotiateOffer(offer(['m=audio 5004 RTP/AVP 0', attribute]), ours, '127.0.0.1').direction;
    expect(direction('a=sendonly')).toBe('recvonly');
    expect(direction('a=recvonly')).toBe('sendonly');
    expect(direction('a=inactive')).toBe('inactive');
    const sessionLevel = offer(['m=audio 5004 RTP/AVP 0'], { session: ['a=sendonly'] });
    expect(negotiateOffer(sessionLevel, ours, '127.0.0.1').direction).toBe('recvonly');
  });

  it('treats a 0.0.0.0 connection as unknown (latch on first packet) and prefers the media-level c=', () => {
    const hold = negotiateOffer(offer(['m=audio 5004 RTP/AVP 0'], { ip: 'IP4 0.0.0.0' }), ours, '127.0.0.1');
    expect(hold.remote.address).toBeNull();
    const mediaLevel = negotiateOffer(offer(['m=audio 5004 RTP/AVP 0', 'c=IN IP4 198.51.100.7']), ours, '127.0.0.1');
    expect(mediaLevel.remote.address).toBe('198.51.100.7');
  });

  it('accepts IPv6 offers when we are on IPv6', () => {
    const n = negotiateOffer(offer(['m=audio 5004 RTP/AVP 0'], { ip: 'IP6 ::1' }), ours, '::1');
    expect(n.remote).toEqual({ address: '::1', port: 5004 });
  });
});

describe('buildAnswer', () => {
  it('answers with the chosen codec, telephone-event, ptime and our address', () => {
    const n = negotiateOffer(offer(phoneAudio), ours, '127.0.0.1');
    const answer = parse(buildAnswer(n, local));
    expect(answer.connection).toEqual({ version: 4, ip: '127.0.0.1' });
    const [audio] = answer.media;
    expect(audio!.port).toBe(40000);
    expect(audio!.payloads).toBe('8 101');
    expect(audio!.rtp.map((r) => `${r.payload} ${r.codec}/${r.rate}`)).toEqual(['8 PCMA/8000', '101 telephone-event/8000']);
    expect(audio!.fmtp).toEqual([{ payload: 101, config: '0-15' }]);
    expect(audio!.ptime).toBe(20);
    expect(audio!.direction).toBe('sendrecv');
  });

  it('keeps the offer m-line order and rejects the other streams with port 0', () => {
    const body = offer(['m=video 5006 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 5004 RTP/AVP 0']);
    const answer = parse(buildAnswer(negotiateOffer(body, ours, '127.0.0.1'), local));
    expect(answer.media.map((m) => [m.type, m.port])).toEqual([
      ['video', 0],
      ['audio', 40000],
    ]);
  });

  it('writes IP6 for an IPv6 address', () => {
    const n = negotiateOffer(offer(['m=audio 5004 RTP/AVP 0'], { ip: 'IP6 ::1' }), ours, '::1');
    const text = buildAnswer(n, { ...local, address: '::1' });
    expect(text).toContain('c=IN IP6 ::1\r\n');
    expect(text).toContain('o=callpark 42 1 IN IP6 ::1\r\n');
  });
});

describe('buildOffer and negotiateAnswer', () => {
  it('offers our codecs in order plus telephone-event 101', () => {
    const made = parse(buildOffer(ours, local));
    expect(made.media[0]!.payloads).toBe('0 8 9 101');
    expect(made.media[0]!.rtp.map((r) => r.codec)).toEqual(['PCMU', 'PCMA', 'G722', 'telephone-event']);
  });

  it('takes the first codec of the answer and our sending direction', () => {
    const answer = offer(['m=audio 6000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=recvonly']);
    const n = negotiateAnswer(answer, ours, '127.0.0.1');
    expect(n.codec.name).toBe('PCMA');
    expect(n.telephoneEvent?.payloadType).toBe(101);
    expect(n.direction).toBe('sendonly');
    expect(n.remote).toEqual({ address: '192.0.2.10', port: 6000 });
  });

  it('rejects an answer with a codec we did not offer, or no audio', () => {
    expect(() => negotiateAnswer(offer(['m=audio 6000 RTP/AVP 9']), [PCMU, PCMA], '127.0.0.1')).toThrow(NoCommonCodecError);
    expect(() => negotiateAnswer('nonsense', ours, '127.0.0.1')).toThrow(InvalidSdpError);
  });
});
