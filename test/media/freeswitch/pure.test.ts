import { checkOffer, endpointCreationError } from '../../../src/media/freeswitch/errors';
import { sofiaStatusHasProfile } from '../../../src/media/freeswitch/preflight';
import { announcementApp, beepApp, holdSoundApp } from '../../../src/media/freeswitch/sounds';
import { InvalidSdpError, MediaUnavailableError, NoCommonCodecError } from '../../../src/media/types';
import { OFFER_A } from './helpers';

const sounds = { dir: '/s', music: 'local_stream://moh' };

describe('sounds', () => {
  test('hold sounds are endless playbacks', () => {
    expect(holdSoundApp('music', sounds)).toEqual({ app: 'playback', arg: 'local_stream://moh' });
    expect(holdSoundApp('music', { dir: '/s', music: '/m.wav' })).toEqual({ app: 'endless_playback', arg: '/m.wav' });
    expect(holdSoundApp('ringback', sounds).arg).toMatch(/^tone_stream:\/\/.*loops=-1$/);
    expect(holdSoundApp('silence', sounds)).toEqual({ app: 'playback', arg: 'silence_stream://-1' });
  });

  test('announcements skip characters that are not digits', () => {
    expect(announcementApp('7*0', sounds).arg).toBe('file_string:///s/parked-on.wav!/s/digits/7.wav!/s/digits/0.wav');
    expect(beepApp(sounds)).toEqual({ app: 'playback', arg: '/s/beep.wav' });
  });
});

describe('offers and errors', () => {
  test('checkOffer accepts plain RTP audio, also with static payloads and no rtpmap', () => {
    expect(() => checkOffer(OFFER_A, undefined)).not.toThrow();
    const staticOnly = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n';
    expect(() => checkOffer(staticOnly, ['PCMA'])).not.toThrow();
    expect(() => checkOffer(staticOnly, ['PCMU'])).toThrow(NoCommonCodecError);
  });

  test('checkOffer refuses disabled audio', () => {
    const disabled = OFFER_A.replace('m=audio 40000', 'm=audio 0');
    expect(() => checkOffer(disabled, undefined)).toThrow(InvalidSdpError);
  });

  test('endpointCreationError maps SIP statuses and keeps contract errors', () => {
    expect(endpointCreationError({ status: 606 })).toBeInstanceOf(NoCommonCodecError);
    expect(endpointCreationError(new Error('Connection timeout'))).toBeInstanceOf(MediaUnavailableError);
    const kept = new InvalidSdpError('x');
    expect(endpointCreationError(kept)).toBe(kept);
  });

  test('sofia status is matched for the named profile only', () => {
    const status = '   Name\tType\tData\tState\n====\n           drachtio_mrf\tprofile\t         sip:mod_sofia@10.0.0.5:5080\tRUNNING (0)\n';
    expect(sofiaStatusHasProfile(status, 'drachtio_mrf')).toBe(true);
    expect(sofiaStatusHasProfile(status, 'drachtio')).toBe(false);
    expect(sofiaStatusHasProfile(status, 'internal')).toBe(false);
  });
});
