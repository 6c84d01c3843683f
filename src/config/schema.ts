import { z } from 'zod';
import { LOG_LEVELS } from '../logger';
import { AddressSyntaxError, isLoopbackHost, normalizeCidr, parseHostPort, parseListenAddress, type HostPort, type ListenAddress } from './addresses';

/**
 * The YAML schema. Every object is strict, so a misspelt key is an error rather than a silent default.
 * docs/configuration.md documents each key; keep the two in step.
 */

/** Wraps a parser that throws AddressSyntaxError into a zod transform whose issue carries its message. */
function parsedString<T>(parse: (text: string) => T) {
  return z.string().transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof AddressSyntaxError)) throw error;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: error.message.replace(/, got ".*"$/, '') });
      return z.NEVER;
    }
  });
}

const listenAddress = parsedString<ListenAddress>(parseListenAddress);
const hostPort = parsedString<HostPort>(parseHostPort);
const cidr = parsedString<string>(normalizeCidr);

const sipUri = z.string().regex(/^sips?:[^\s@]*@?[^\s@]+$/i, { message: 'expected a SIP URI like sip:host:port' });
const port = z.number().int().min(0).max(65535);
const seconds = z.number().int().positive();
const nonEmpty = z.string().trim().min(1);
const allocation = z.enum(['first', 'next']);

const portRange = z.string().transform((text, ctx) => {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (match === null || start > end || end > 65535 || start < 1) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a port range "A-B" with 1 <= A <= B <= 65535' });
    return z.NEVER;
  }
  return { start, end };
});

const fallback = z.discriminatedUnion('action', [
  z.object({ action: z.literal('hangup') }).strict(),
  z.object({ action: z.literal('forward'), uri: sipUri }).strict(),
  z.object({ action: z.literal('repark'), maxTimes: z.number().int().min(1).default(1) }).strict(),
]);

const policy = z
  .object({
    name: nonEmpty,
    allowCallPark: z.boolean().default(false),
    members: z.array(z.string().regex(/^\S+$/, { message: 'expected a pattern without spaces' })).min(1, { message: 'expected at least one member pattern' }),
    pickupRangeStart: z.number().int().min(0),
    pickupRangeEnd: z.number({ invalid_type_error: 'expected a number >= pickupRangeStart' }).int().min(0),
    parkTimeout: seconds.default(300),
    ringbackTimeout: seconds.default(30),
    fallback: fallback.default({ action: 'hangup' }),
    holdSound: z.enum(['music', 'ringback']).default('music'),
    allocation: allocation.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.pickupRangeEnd < value.pickupRangeStart) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['pickupRangeEnd'], message: 'expected a number >= pickupRangeStart' });
    }
  });

const engine = z
  .object({
    embedded: z.boolean().optional(),
    host: z.string().min(1).optional(),
    port: port.optional(),
    secret: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.embedded === false) {
      for (const key of ['host', 'port', 'secret'] as const) {
        if (value[key] === undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'required to reach an external drachtio-server' });
        }
      }
    }
  });

/** Defaults match src/media/freeswitch (DEFAULT_PROFILE, DEFAULT_SOUNDS); test/config checks they agree. */
export const FREESWITCH_DEFAULTS = {
  port: 8021,
  listenAddress: '127.0.0.1',
  profile: 'drachtio_mrf',
  soundsDir: '/usr/local/freeswitch/sounds/callpark',
  music: 'local_stream://moh',
} as const;

const freeswitch = z
  .object({
    host: nonEmpty,
    port: port.default(FREESWITCH_DEFAULTS.port),
    password: z.string().min(1),
    listenAddress: z.string().ip({ message: 'expected an IP address' }).default(FREESWITCH_DEFAULTS.listenAddress),
    listenPort: port.optional(),
    advertisedAddress: z.string().regex(/^\S+$/, { message: 'expected an IP address or host name' }).optional(),
    profile: nonEmpty.default(FREESWITCH_DEFAULTS.profile),
    soundsDir: nonEmpty.default(FREESWITCH_DEFAULTS.soundsDir),
    music: nonEmpty.default(FREESWITCH_DEFAULTS.music),
  })
  .strict();

const media = z
  .object({
    backend: z.enum(['embedded', 'freeswitch']).default('embedded'),
    anchor: z.enum(['direct', 'server']).default('direct'),
    rtpPorts: portRange.default('20000-20999'),
    address: z.string().ip({ message: 'expected an IP address' }).default('127.0.0.1'),
    rtpThread: z.enum(['worker', 'main']).default('worker'),
    sounds: z
      .object({ music: nonEmpty.optional(), parkedOn: nonEmpty.optional(), digitsDir: nonEmpty.optional(), beep: nonEmpty.optional() })
      .strict()
      .default({}),
    freeswitch: freeswitch.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.backend === 'freeswitch' && value.freeswitch === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['freeswitch'], message: 'required when backend is freeswitch ({host, port, password})' });
    }
    if (value.anchor === 'server' && value.backend !== 'freeswitch') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['anchor'], message: 'server needs backend freeswitch (the embedded engine only supports direct)' });
    }
  });

const admin = z
  .object({
    listen: hostPort.default('127.0.0.1:8080'),
    token: z.string().min(16, { message: 'expected a token of at least 16 characters' }).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (!isLoopbackHost(value.listen.host) && value.token === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['token'], message: 'required when admin.listen is not a loopback address' });
    }
  });

const security = z
  .object({
    retrievalLimit: z
      .object({
        maxFailures: z.number().int().min(1).default(5),
        maxFailuresPerAddress: z.number().int().min(1).default(20),
        windowSeconds: seconds.default(60),
      })
      .strict()
      .default({}),
  })
  .strict();

const blf = z
  .object({
    minExpires: seconds.default(60),
    maxExpires: seconds.default(3600),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.maxExpires < value.minExpires) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['maxExpires'], message: 'expected a number >= minExpires' });
    }
  });

const b2bua = z.object({ announceToParker: z.boolean().default(true) }).strict();

const admission = z
  .object({
    maxCallsInSetup: z.number().int().positive().default(100),
    maxEventLoopDelayMs: z.number().int().positive().default(250),
    maxReceiveQueueBytes: z.number().int().min(0).default(1_048_576),
    retryAfterSeconds: z.number().int().positive().max(3600).default(2),
  })
  .strict();

const shutdown = z.object({ drainSeconds: z.number().int().min(0).default(45) }).strict();

export const DEFAULT_SIP_LISTEN = ['udp/127.0.0.1:5060', 'tcp/127.0.0.1:5060'];

/** Allowed to send INVITE/SUBSCRIBE when sip.allowedSources is not set, besides sip.trustedPeers. */
export const LOOPBACK_SOURCES: readonly string[] = ['127.0.0.0/8', '::1/128'];

export const configSchema = z
  .object({
    mode: z.enum(['service', 'b2bua']).default('service'),
    upstream: sipUri.optional(),
    sip: z
      .object({
        listen: z.array(listenAddress).min(1, { message: 'expected at least one listener' }).default(DEFAULT_SIP_LISTEN),
        trustedPeers: z.array(cidr).default([]),
        allowedSources: z.array(cidr).optional(),
        outboundProxy: sipUri.optional(),
        externalAddress: z.string().ip({ message: 'expected an IP address' }).optional(),
        connectedLine: z.boolean().default(true),
        admission: admission.default({}),
      })
      .strict()
      .default({}),
    engine: engine.default({}),
    media: media.default({}),
    park: z
      .object({
        extension: z
          .union([z.string(), z.number().int().nonnegative()])
          .transform(String)
          .pipe(z.string().regex(/^[0-9A-Za-z*#+._-]+$/, { message: 'expected a dialable user part like "700"' }))
          .default('700'),
        allocation: allocation.default('first'),
        notifyByMessage: z.boolean().default(false),
        courtesyTone: z.boolean().default(false),
        unreferredParkDelaySeconds: z.number().int().nonnegative().max(120).default(5),
      })
      .strict()
      .default({}),
    blf: blf.default({}),
    b2bua: b2bua.default({}),
    admin: admin.default({}),
    security: security.default({}),
    shutdown: shutdown.default({}),
    log: z
      .object({ level: z.enum(LOG_LEVELS).default('info'), pretty: z.boolean().default(false) })
      .strict()
      .default({}),
    policies: z.array(policy).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.mode === 'b2bua' && value.upstream === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['upstream'], message: 'required when mode is b2bua (the PBX or trunk to bridge calls to)' });
    }
    const seen = new Map<string, number>();
    value.policies.forEach((entry, index) => {
      const earlier = seen.get(entry.name);
      if (earlier !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['policies', index, 'name'], message: `duplicate policy name (also policies[${earlier}])` });
      }
      seen.set(entry.name, index);
      const extension = Number(value.park.extension);
      if (/^\d+$/.test(value.park.extension) && extension >= entry.pickupRangeStart && extension <= entry.pickupRangeEnd) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['policies', index, 'pickupRangeStart'],
          message: `orbit range ${entry.pickupRangeStart}-${entry.pickupRangeEnd} contains park.extension ${value.park.extension}`,
        });
      }
    });
  });

export type ValidatedConfig = z.output<typeof configSchema>;

/** Every key the schema knows, for "did you mean" hints on unknown keys. */
export const KNOWN_KEYS: readonly string[] = [
  'mode', 'upstream', 'sip', 'listen', 'trustedPeers', 'allowedSources', 'outboundProxy', 'externalAddress', 'engine', 'embedded', 'host',
  'port', 'secret', 'media', 'backend', 'rtpPorts', 'address', 'sounds', 'music', 'parkedOn', 'digitsDir', 'beep',
  'freeswitch', 'password', 'park', 'extension', 'allocation', 'notifyByMessage', 'admin', 'token', 'log', 'level',
  'pretty', 'policies', 'name', 'allowCallPark', 'members', 'pickupRangeStart', 'pickupRangeEnd', 'parkTimeout',
  'ringbackTimeout', 'fallback', 'action', 'uri', 'maxTimes', 'holdSound', 'security', 'retrievalLimit', 'maxFailures',
  'maxFailuresPerAddress', 'windowSeconds', 'shutdown', 'drainSeconds', 'anchor', 'listenAddress', 'listenPort',
  'advertisedAddress', 'profile', 'soundsDir', 'connectedLine', 'courtesyTone', 'blf', 'minExpires', 'maxExpires', 'b2bua',
  'announceToParker', 'unreferredParkDelaySeconds', 'admission', 'maxCallsInSetup',
  'maxEventLoopDelayMs', 'maxReceiveQueueBytes', 'retryAfterSeconds', 'rtpThread',
];
