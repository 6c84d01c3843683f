import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError, configErrorMap, toConfigIssues } from './errors';
import { applyEnvOverrides, type Environment } from './env';
import { configSchema, LOOPBACK_SOURCES, type ValidatedConfig } from './schema';
import type { Config } from './types';

export interface ParseOptions {
  /** Environment for overrides; default process.env. Pass {} to ignore the environment. */
  env?: Environment;
  /** Source of generated secrets and tokens (tests pass a fixed one). */
  randomSecret?: () => string;
}

const defaultRandomSecret = (): string => randomBytes(18).toString('base64url');

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function toConfig(valid: ValidatedConfig, source: string, randomSecret: () => string): Config {
  const embedded = valid.engine.embedded ?? valid.engine.host === undefined;
  const { policies, engine, admin, park, sip, ...rest } = valid;
  const { allowedSources, ...sipRest } = sip;
  return {
    ...rest,
    source,
    sip: { ...sipRest, allowedSources: allowedSources ?? [...LOOPBACK_SOURCES, ...sip.trustedPeers] },
    park,
    engine: {
      embedded,
      host: engine.host ?? '127.0.0.1',
      port: engine.port ?? 9022,
      secret: engine.secret ?? randomSecret(),
      secretGenerated: engine.secret === undefined,
    },
    admin: {
      host: admin.listen.host,
      port: admin.listen.port,
      token: admin.token ?? randomSecret(),
      tokenGenerated: admin.token === undefined,
    },
    policies: policies.map((policy) => ({ ...policy, allocation: policy.allocation ?? park.allocation })),
  };
}

/** Parses and validates YAML text; throws ConfigError listing every problem. */
export function parseConfig(text: string, source: string, options: ParseOptions = {}): Config {
  const parsed = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (parsed.errors.length > 0) {
    throw new ConfigError(
      source,
      parsed.errors.map((error) => ({ path: '', message: `YAML syntax: ${error.message.split('\n')[0]}` })),
    );
  }
  const document: unknown = parsed.toJS() ?? {};
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigError(source, [{ path: '', message: 'expected a mapping of keys at the top level' }]);
  }
  const { document: withEnv, origins } = applyEnvOverrides(document, options.env ?? process.env);
  const result = configSchema.safeParse(withEnv, { errorMap: configErrorMap });
  if (!result.success) throw new ConfigError(source, toConfigIssues(result.error, withEnv, origins));
  return deepFreeze(toConfig(result.data, source, options.randomSecret ?? defaultRandomSecret));
}

/** Reads and validates a YAML config file; throws ConfigError (also when the file cannot be read). */
export function loadConfig(path: string, options: ParseOptions = {}): Config {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${reason}` }]);
  }
  return parseConfig(text, path, options);
}
