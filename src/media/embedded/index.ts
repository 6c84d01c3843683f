export { createEmbeddedMedia, type EmbeddedMedia, type EmbeddedMediaOptions } from './embedded-media';
export { HoldSessionStateError } from './session';
export { UnsupportedWavError } from './wav';
export type { CodecName } from './codecs';
export type { PortRange } from './port-pool';
export type { SoundFiles } from './sound-bank';
