/**
 * The production stack checked without Docker: every FreeSWITCH/drachtio XML file is well-formed,
 * and the names, ports, paths and variables that docker-compose.yml, sip-profiles/, .env.example,
 * the Dockerfile and callpark's own config and FreeSWITCH backend mention agree with each other.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseConfig } from '../../src/config';
import { DEFAULT_PROFILE, DEFAULT_SOUNDS } from '../../src/media/freeswitch';
import { findAll, params, parseXml, XmlSyntaxError, type XmlElement } from './xml';

const ROOT = path.resolve(__dirname, '../..');
const PROFILES = path.join(ROOT, 'sip-profiles');
const read = (relative: string): string => fs.readFileSync(path.join(ROOT, relative), 'utf8');
const xml = (relative: string): XmlElement => parseXml(read(relative), relative);

function xmlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return xmlFiles(full);
    return entry.name.endsWith('.xml') ? [path.relative(ROOT, full)] : [];
  });
}

interface ComposeService {
  image?: string;
  build?: string;
  network_mode?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
/** "./src:/target:ro" → {source, target} */
const mounts = (name: string): Array<{ source: string; target: string }> =>
  (service(name).volumes ?? []).map((volume) => {
    const [source = '', target = ''] = volume.split(':');
    return { source, target };
  });
const envExample = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .map((text) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(text.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, match[2]!]),
);

describe('XML well-formedness checker', () => {
  test.each([
    ['<a><b></a></b>', /does not close/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ['<a>1 & 2</a>', /bare "&"/],
    ['<a/><b/>', /more than one root/],
    ['<a><!-- x -- y --></a>', /"--" inside a comment/],
    ['<a x=1/>', /bad attribute/],
    ['<a>', /never closed/],
  ])('rejects %s', (text, message) => {
    expect(() => parseXml(text)).toThrow(XmlSyntaxError);
    expect(() => parseXml(text)).toThrow(message);
  });

  test('accepts declarations, comments, entities and nesting', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- c --><a k=\'v\'><b>x &amp; y</b><c/></a>');
    expect(root.name).toBe('a');
    expect(findAll(root, 'b')[0]!.text).toBe('x &amp; y');
  });
});

describe('sip-profiles/', () => {
  test.each(xmlFiles(PROFILES))('%s is well-formed', (file) => {
    expect(() => xml(file)).not.toThrow();
  });

  test('the SIP profile is the one drachtio-fsmrf and callpark look up, with NAT discovery off', () => {
    const profiles = findAll(xml('sip-profiles/sip_profiles/drachtio_mrf.xml'), 'profile');
    expect(profiles.map((profile) => profile.attributes.name)).toEqual([DEFAULT_PROFILE]);
    const settings = params(profiles[0]!);
    expect(settings['aggressive-nat-detection']).toBe('false');
    expect(settings['sip-ip']).toBe('$${callpark_mrf_sip_ip}');
    expect(settings['apply-inbound-acl']).toBe('callpark_drachtio');
    const acl = findAll(xml('sip-profiles/autoload_configs/acl.conf.xml'), 'list').map((list) => list.attributes.name);
    expect(acl).toContain('callpark_drachtio');
    expect(findAll(xml('sip-profiles/autoload_configs/sofia.conf.xml'), 'X-PRE-PROCESS')[0]!.attributes.data).toBe('../sip_profiles/*.xml');
  });

  test('the dialplan context of the profile hands drachtio-fsmrf calls to the app with `socket … async full`', () => {
    const context = params(xml('sip-profiles/sip_profiles/drachtio_mrf.xml')).context;
    const contexts = findAll(xml('sip-profiles/dialplan/mrf.xml'), 'context');
    expect(contexts.map((c) => c.attributes.name)).toEqual([context]);
    const condition = findAll(contexts[0]!, 'condition')[0]!;
    expect(condition.attributes.field).toBe('${sip_user_agent}');
    expect(condition.attributes.expression).toBe('^drachtio-fsmrf:(.+)$');
    const actions = findAll(condition, 'action').map((action) => `${action.attributes.application} ${action.attributes.data ?? ''}`.trim());
    expect(actions[0]).toBe('answer');
    expect(actions.at(-1)).toBe('socket ${sip_h_X-esl-outbound} async full');
  });

  test('the event socket listens on the loopback, on the port callpark uses, with the password from the environment', () => {
    const settings = params(xml('sip-profiles/autoload_configs/event_socket.conf.xml'));
    expect(settings['listen-ip']).toBe('127.0.0.1');
    const callpark = YAML.parse(read('examples/callpark.freeswitch.yaml')) as { media: { freeswitch: { port: number; host: string } } };
    expect(Number(settings['listen-port'])).toBe(callpark.media.freeswitch.port);
    expect(callpark.media.freeswitch.host).toBe('127.0.0.1');
    expect(settings.password).toBe('$${callpark_esl_password}');
  });

  test('every variable taken from the environment is set on the freeswitch service and documented in .env.example', () => {
    const envSets = findAll(xml('sip-profiles/vars.xml'), 'X-PRE-PROCESS')
      .filter((element) => element.attributes.cmd === 'env-set')
      .map((element) => /^(\w+)=\$(\w+)$/.exec(element.attributes.data ?? '') ?? fail(`bad env-set ${element.attributes.data}`));
    const environment = service('freeswitch').environment ?? {};
    for (const [, variable, envName] of envSets) {
      expect(Object.keys(environment)).toContain(envName);
      const usedSomewhere = xmlFiles(PROFILES).some((file) => read(file).includes(`$\${${variable}}`));
      expect({ variable, usedSomewhere }).toEqual({ variable, usedSomewhere: true });
    }
    expect(Object.keys(environment).sort()).toEqual(envSets.map((match) => match[2]).sort());
  });

  test('modules for SIP, the event socket, WAV playback, tones and local_stream are loaded', () => {
    const modules = findAll(xml('sip-profiles/autoload_configs/modules.conf.xml'), 'load').map((load) => load.attributes.module);
    for (const needed of ['mod_sofia', 'mod_event_socket', 'mod_dptools', 'mod_dialplan_xml', 'mod_commands', 'mod_sndfile', 'mod_tone_stream', 'mod_local_stream']) {
      expect(modules).toContain(needed);
    }
  });

  test('the moh local_stream is the backend default and plays the mounted music file', () => {
    const directories = findAll(xml('sip-profiles/autoload_configs/local_stream.conf.xml'), 'directory');
    expect(directories.map((d) => `local_stream://${d.attributes.name}`)).toEqual([DEFAULT_SOUNDS.music]);
    const mounted = mounts('freeswitch').find((mount) => mount.source === './sounds/music.wav');
    expect(mounted).toBeDefined();
    expect(path.posix.dirname(mounted!.target)).toBe(directories[0]!.attributes.path);
  });

  test('drachtio.conf.xml: admin socket on the loopback, no secret in the file, contacts, spammer rules, console logging', () => {
    const drachtio = xml('sip-profiles/drachtio.conf.xml');
    const admin = findAll(drachtio, 'admin')[0]!;
    expect(admin.text.trim()).toBe('127.0.0.1');
    expect(admin.attributes.secret).toBeUndefined();
    const callpark = YAML.parse(read('examples/callpark.freeswitch.yaml')) as { engine: { port: number; host: string; embedded: boolean } };
    expect(callpark.engine).toEqual({ embedded: false, host: '127.0.0.1', port: Number(admin.attributes.port) });
    expect(findAll(drachtio, 'contact').length).toBeGreaterThan(0);
    expect(findAll(findAll(drachtio, 'spammers')[0]!, 'value').length).toBeGreaterThan(0);
    expect(findAll(drachtio, 'console')).toHaveLength(1);
  });
});

describe('docker-compose.yml', () => {
  test('runs drachtio-server, FreeSWITCH for drachtio and callpark, all on the host network', () => {
    expect(Object.keys(services).sort()).toEqual(['callpark', 'drachtio', 'freeswitch']);
    expect(service('drachtio').image).toMatch(/^drachtio\/drachtio-server:/);
    expect(service('freeswitch').image).toMatch(/^drachtio\/drachtio-freeswitch-mrf:/);
    expect(service('callpark').build).toBe('.');
    for (const name of Object.keys(services)) expect(service(name).network_mode).toBe('host');
  });

  test('every mounted source exists in the repository', () => {
    for (const name of Object.keys(services)) {
      for (const { source } of mounts(name)) expect({ source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
    }
  });

  test('FreeSWITCH runs on sip-profiles/ (mounted where -conf points) without NAT discovery', () => {
    const entrypoint = service('freeswitch').entrypoint ?? [];
    expect(entrypoint).toContain('-nonat');
    const conf = entrypoint[entrypoint.indexOf('-conf') + 1];
    expect(mounts('freeswitch')).toContainEqual({ source: './sip-profiles', target: conf });
    expect(fs.existsSync(path.join(PROFILES, 'freeswitch.xml'))).toBe(true);
  });

  test('the sounds are mounted where the backend looks for them, and every prompt it plays exists', () => {
    expect(mounts('freeswitch')).toContainEqual({ source: './sounds', target: DEFAULT_SOUNDS.dir });
    const needed = ['parked-on.wav', 'beep.wav', 'music.wav', ...Array.from({ length: 10 }, (_, digit) => `digits/${digit}.wav`)];
    for (const file of needed) expect({ file, exists: fs.existsSync(path.join(ROOT, 'sounds', file)) }).toEqual({ file, exists: true });
  });

  test('drachtio-server gets its config file, a SIP contact and the secret from .env', () => {
    const drachtio = service('drachtio');
    const command = drachtio.command ?? [];
    const file = command[command.indexOf('--file') + 1];
    expect(mounts('drachtio')).toContainEqual({ source: './sip-profiles/drachtio.conf.xml', target: file });
    expect(command[command.indexOf('--contact') + 1]).toMatch(/^sip:\$\{SIP_ADDRESS:\?[^}]*\}:/);
    expect(drachtio.environment?.DRACHTIO_SECRET).toMatch(/^\$\{DRACHTIO_SECRET:\?/);
  });

  test('callpark reads examples/callpark.freeswitch.yaml and its secrets from the same .env values as the servers', () => {
    const callpark = service('callpark');
    const env = callpark.environment ?? {};
    expect(mounts('callpark')).toContainEqual({ source: './examples/callpark.freeswitch.yaml', target: env.CALLPARK_CONFIG });
    expect(env.CALLPARK_ENGINE_SECRET).toBe(service('drachtio').environment?.DRACHTIO_SECRET);
    expect(env.CALLPARK_FREESWITCH_PASSWORD).toBe(service('freeswitch').environment?.FREESWITCH_ESL_PASSWORD);
  });

  test('every ${VAR} is documented in .env.example, and no secret has a default', () => {
    const text = read('docker-compose.yml').replace(/^\s*#.*$/gm, '');
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]!));
    const documented = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z_][A-Z0-9_]*)=/gm)].map((match) => match[1]!));
    for (const variable of used) expect({ variable, documented: documented.has(variable) }).toEqual({ variable, documented: true });
    for (const secret of ['DRACHTIO_SECRET', 'FREESWITCH_ESL_PASSWORD', 'CALLPARK_ADMIN_TOKEN']) {
      expect(text).not.toMatch(new RegExp(`\\$\\{${secret}:-`));
      expect(envExample[secret]).toBe('');
    }
  });
});

describe('callpark inside the stack', () => {
  test('examples/callpark.freeswitch.yaml is a valid config once the .env secrets are set', () => {
    const config = parseConfig(read('examples/callpark.freeswitch.yaml'), 'examples/callpark.freeswitch.yaml', {
      env: { CALLPARK_ENGINE_SECRET: 'x'.repeat(32), CALLPARK_FREESWITCH_PASSWORD: 'y'.repeat(32), CALLPARK_ADMIN_TOKEN: 'z'.repeat(32) },
    });
    expect(config.engine.embedded).toBe(false);
    expect(config.media.backend).toBe('freeswitch');
    // The profile, sounds and music callpark asks FreeSWITCH for are the ones sip-profiles/ and the mounts provide.
    expect(config.media.freeswitch).toMatchObject({ profile: DEFAULT_PROFILE, soundsDir: DEFAULT_SOUNDS.dir, music: DEFAULT_SOUNDS.music });
  });

  test('the Dockerfile only copies what .dockerignore lets through', () => {
    const ignored = read('.dockerignore').split('\n').map((entry) => entry.trim()).filter((entry) => entry && !entry.startsWith('!'));
    const copied = [...read('Dockerfile').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/));
    for (const source of copied) {
      const blocked = ignored.some((pattern) => source === pattern || (pattern.endsWith('/*') ? false : source.startsWith(`${pattern}/`)));
      expect({ source, blocked }).toEqual({ source, blocked: false });
      expect({ source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
    }
  });
});
