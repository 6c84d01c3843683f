import { ConfigError, loadConfig } from '../config';
import { parseArgv, UsageError } from './argv';
import { EXIT_FAILURE, EXIT_OK, type Command } from './io';

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a YAML configuration file and report every problem',
  usage: `Usage: callpark check-config FILE

Validates FILE (with CALLPARK_* environment overrides applied) and prints
"config OK: N policies", or each problem with its key path. Exit 0 when valid, 1 when not.`,
  async run(args, io) {
    const parsed = parseArgv(args, {});
    const [file, ...extra] = parsed.positionals;
    if (file === undefined) throw new UsageError('check-config needs a FILE');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    try {
      const config = loadConfig(file, { env: io.env });
      const count = config.policies.length;
      io.out(`config OK: ${count} ${count === 1 ? 'policy' : 'policies'} (${file})`);
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.err(error.message);
      return EXIT_FAILURE;
    }
  },
};
