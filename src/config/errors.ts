import { z } from 'zod';
import { KNOWN_KEYS } from './schema';

export interface ConfigIssue {
  /** Key path as written in messages: `policies[1].pickupRangeEnd`; '' for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** The configuration is unreadable or invalid; `issues` lists every problem found, each naming its key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${source}: invalid configuration\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/**
 * Messages in the user's terms ("expected a number >= 0") instead of zod's defaults. A message
 * set in the schema itself wins: zod applies this contextual map last, so it is passed through.
 */
export const configErrorMap: z.ZodErrorMap = (issue, ctx) => {
  if (ctx.defaultError !== z.defaultErrorMap(issue, ctx).message) return { message: ctx.defaultError };
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') return { message: 'required' };
      return { message: `expected ${describeType(issue.expected)}` };
    case z.ZodIssueCode.too_small:
      if (issue.type === 'number') return { message: `expected a number ${issue.inclusive ? '>=' : '>'} ${issue.minimum}` };
      if (issue.type === 'string') return { message: 'must not be empty' };
      if (issue.type === 'array') return { message: `expected at least ${issue.minimum} item(s)` };
      return { message: ctx.defaultError };
    case z.ZodIssueCode.too_big:
      if (issue.type === 'number') return { message: `expected a number ${issue.inclusive ? '<=' : '<'} ${issue.maximum}` };
      return { message: ctx.defaultError };
    case z.ZodIssueCode.invalid_enum_value:
      return { message: `expected one of ${issue.options.join(', ')}` };
    case z.ZodIssueCode.invalid_union_discriminator:
      return { message: `expected one of ${issue.options.map(String).join(', ')}` };
    case z.ZodIssueCode.invalid_literal:
      return { message: `expected ${JSON.stringify(issue.expected)}` };
    default:
      return { message: ctx.defaultError };
  }
};

function describeType(expected: string): string {
  switch (expected) {
    case 'number':
      return 'a number';
    case 'integer':
      return 'a whole number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping of keys';
    default:
      return expected;
  }
}

function valueAt(root: unknown, path: readonly (string | number)[]): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || !(part in current)) return { found: false };
    current = (current as Record<string | number, unknown>)[part];
  }
  return { found: true, value: current };
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'a mapping';
  return JSON.stringify(value) ?? String(value);
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      previous[j] = Math.min(previous[j]! + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

function suggestKey(unknownKey: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(unknownKey.length / 3)) + 1;
  for (const known of KNOWN_KEYS) {
    const distance = editDistance(unknownKey, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Turns zod issues into ConfigIssues that name the key path and show the offending value.
 * `envOrigins` maps a key path to the environment variable that supplied it.
 */
export function toConfigIssues(error: z.ZodError, input: unknown, envOrigins: ReadonlyMap<string, string>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      for (const key of issue.keys) {
        const hint = suggestKey(key);
        issues.push({ path: formatPath([...issue.path, key]), message: `unknown key${hint === undefined ? '' : ` (did you mean ${hint}?)`}` });
      }
      continue;
    }
    const path = formatPath(issue.path);
    const { found, value } = valueAt(input, issue.path);
    const got = found && value !== undefined ? `, got ${describeValue(value)}` : '';
    const origin = envOrigins.get(path);
    issues.push({ path, message: `${issue.message}${got}${origin === undefined ? '' : ` (from ${origin})`}` });
  }
  return issues;
}
