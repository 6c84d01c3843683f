import { parseArgv, stringFlag, UsageError } from '../../src/commands/argv';

describe('parseArgv', () => {
  const spec = { sip: 'string', 'log-level': 'string', pretty: 'boolean' } as const;

  it('reads --flag value, --flag=value, booleans and positionals', () => {
    const parsed = parseArgv(['file.yaml', '--sip', 'udp/127.0.0.1:5060', '--log-level=debug', '--pretty'], spec);
    expect(parsed.positionals).toEqual(['file.yaml']);
    expect(stringFlag(parsed, 'sip')).toBe('udp/127.0.0.1:5060');
    expect(stringFlag(parsed, 'log-level')).toBe('debug');
    expect(parsed.flags.get('pretty')).toBe(true);
    expect(stringFlag(parsed, 'pretty')).toBeUndefined();
  });

  it('treats everything after -- as positionals', () => {
    expect(parseArgv(['--', '--sip'], spec).positionals).toEqual(['--sip']);
  });

  it.each([
    [['--nope'], 'unknown option --nope'],
    [['--sip'], '--sip needs a value'],
    [['--sip', '--pretty'], '--sip needs a value'],
    [['--pretty=yes'], '--pretty takes no value'],
    [['--sip', 'a', '--sip', 'b'], '--sip given twice'],
  ])('rejects %j', (args, message) => {
    expect(() => parseArgv(args, spec)).toThrow(new UsageError(message));
  });
});
