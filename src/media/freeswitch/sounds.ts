import type { HoldSound } from '../types';
import type { FreeswitchSounds } from './options';

/** A dialplan application call on an endpoint. */
export interface AppCall {
  readonly app: string;
  readonly arg: string;
}

/** North American ringback (440+480 Hz, 2 s on, 4 s off), repeated until broken. */
const RINGBACK_TONE = 'tone_stream://%(2000,4000,440,480);loops=-1';

/** What plays, until interrupted, for each hold sound. */
export function holdSoundApp(sound: HoldSound, sounds: FreeswitchSounds): AppCall {
  switch (sound) {
    case 'music':
      return sounds.music.startsWith('local_stream://')
        ? { app: 'playback', arg: sounds.music }
        : { app: 'endless_playback', arg: sounds.music };
    case 'ringback':
      return { app: 'playback', arg: RINGBACK_TONE };
    case 'silence':
      return { app: 'playback', arg: 'silence_stream://-1' };
  }
}

/** "Parked on" followed by each digit, as one file_string playback. Characters other than 0-9 are skipped. */
export function announcementApp(digits: string, sounds: FreeswitchSounds): AppCall {
  const files = [`${sounds.dir}/parked-on.wav`];
  for (const digit of digits) {
    if (digit >= '0' && digit <= '9') files.push(`${sounds.dir}/digits/${digit}.wav`);
  }
  return { app: 'playback', arg: `file_string://${files.join('!')}` };
}

export function beepApp(sounds: FreeswitchSounds): AppCall {
  return { app: 'playback', arg: `${sounds.dir}/beep.wav` };
}
