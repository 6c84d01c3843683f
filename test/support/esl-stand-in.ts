/**
 * A STAND-IN for FreeSWITCH, for tests only: a real TCP server speaking enough of the event-socket
 * (ESL) protocol that unmodified drachtio-modesl 1.3.1 and drachtio-fsmrf 4.1.2 drive it, plus an
 * in-process `srf` whose createUAC plays FreeSWITCH's SIP side (answers the endpoint INVITE, then
 * connects back to the app's X-esl-outbound address as the dialplan's `socket` application would).
 *
 * It is not FreeSWITCH: no media, no real dialplan. It records every command it is sent so tests can
 * check which fsmrf calls were made in which order, and it can misbehave on demand.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type Srf from 'drachtio-srf';

export interface EslStandInOptions {
  readonly password: string;
  /** SIP profile reported by `sofia status` (default drachtio_mrf). */
  readonly profile?: string;
  /** SIP address of that profile (default 127.0.0.1:5080). */
  readonly sipHostPort?: string;
}

/** Knobs a test may turn to make the stand-in fail the way FreeSWITCH can. */
export interface StandInBehaviour {
  /** Answer endpoint INVITEs with this SIP status instead of 200. */
  rejectInvitesWith?: number;
  /** Answer the INVITE but never open the outbound event socket (fsmrf times out after 4 s). */
  skipOutboundConnect?: boolean;
  /** Execute `hangup` without sending BYE (a FreeSWITCH that lost the call). */
  ignoreHangup?: boolean;
  /** Refuse uuid_bridge. */
  refuseBridge?: boolean;
  /** How long a finite playback (announcement, beep) lasts. */
  finitePlaybackMs: number;
}

/** One dialplan application executed on a channel. */
export interface ExecutedApp {
  readonly app: string;
  readonly arg: string;
}

export class StandInDialog extends EventEmitter {
  readonly local: { sdp: string };
  readonly remote: { sdp: string };
  readonly modifies: string[] = [];
  destroyedByApp = false;

  constructor(
    private readonly channel: StandInChannel,
    offer: string | undefined,
    answer: string,
  ) {
    super();
    this.local = { sdp: offer ?? '' };
    this.remote = { sdp: answer };
  }

  modify(sdp: string): Promise<string> {
    this.modifies.push(sdp);
    this.channel.record(`SIP re-INVITE`);
    return Promise.resolve(this.remote.sdp);
  }

  /** The app sent BYE to FreeSWITCH: the channel ends and its event socket closes. */
  destroy(): Promise<void> {
    this.destroyedByApp = true;
    this.channel.record('SIP BYE from app');
    this.channel.closeSocket();
    return Promise.resolve();
  }
}

interface Playback {
  readonly eventUuid: string;
  readonly call: ExecutedApp;
}

function isEndless(call: ExecutedApp): boolean {
  return call.app === 'endless_playback' || /^local_stream:\/\//.test(call.arg) || /(silence_stream:\/\/-1|loops=-1)/.test(call.arg);
}

function escapeValue(value: string): string {
  return encodeURIComponent(value);
}

function commandReply(socket: net.Socket, text: string): void {
  socket.write(`Content-Type: command/reply\nReply-Text: ${text}\n\n`);
}

function apiResponse(socket: net.Socket, body: string): void {
  socket.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
}

function sendEvent(socket: net.Socket, headers: Record<string, string>): void {
  const body = JSON.stringify(headers);
  socket.write(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json\n\n${body}`);
}

interface EslCommand {
  readonly line: string;
  readonly headers: Record<string, string>;
}

/** Splits the app's byte stream into commands (a line, optional headers, a blank line). */
function commandReader(onCommand: (command: EslCommand) => void): (chunk: Buffer) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.toString('utf8');
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const [line = '', ...rest] = block.split('\n');
      const headers: Record<string, string> = {};
      for (const header of rest) {
        const colon = header.indexOf(': ');
        if (colon > 0) headers[header.slice(0, colon)] = header.slice(colon + 2);
      }
      onCommand({ line: line.trim(), headers });
    }
  };
}

/** One FreeSWITCH channel: its SIP dialog to the app and its outbound event socket. */
export class StandInChannel {
  readonly uuid = randomUUID();
  readonly executed: ExecutedApp[] = [];
  readonly dialog: StandInDialog;
  hungUp = false;
  socketClosed = false;
  bridgedWith: string | undefined;
  private socket: net.Socket | undefined;
  private playing: Playback | undefined;
  private readonly queued: Playback[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly standIn: EslStandIn,
    readonly offer: string | undefined,
    readonly localSdp: string,
    readonly fsmrfId: string,
  ) {
    this.dialog = new StandInDialog(this, offer, localSdp);
  }

  record(entry: string): void {
    this.standIn.journal.push(`${this.uuid}: ${entry}`);
  }

  /** What is playing now (an endless hold sound, or an announcement still running). */
  get nowPlaying(): ExecutedApp | undefined {
    return this.playing?.call;
  }

  connectBack(host: string, port: number): void {
    const socket = net.connect(port, host);
    this.socket = socket;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.socketClosed = true;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
    });
    socket.on('data', commandReader((command) => this.onCommand(socket, command)));
  }

  closeSocket(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    if (this.socket && !this.socket.destroyed) {
      sendEvent(this.socket, { 'Event-Name': 'CHANNEL_HANGUP', 'Unique-ID': this.uuid, 'Hangup-Cause': 'NORMAL_CLEARING' });
      this.socket.end();
    }
  }

  /** Test teardown: cut the event socket without any protocol. */
  destroySocket(): void {
    this.socket?.destroy();
  }

  private channelData(): string {
    const headers: Record<string, string> = {
      'Content-Type': 'command/reply',
      'Reply-Text': '+OK',
      'Socket-Mode': 'async',
      Control: 'full',
      'Event-Name': 'CHANNEL_DATA',
      'Unique-ID': this.uuid,
      'Channel-Unique-ID': this.uuid,
      'Channel-Call-State': 'ACTIVE',
      variable_sip_user_agent: `drachtio-fsmrf:${this.fsmrfId}`,
      variable_sip_call_id: `standin-${this.uuid}`,
      variable_rtp_local_sdp_str: this.localSdp,
      variable_switch_r_sdp: this.offer ?? '',
      variable_local_media_ip: '127.0.0.1',
      variable_local_media_port: '16384',
    };
    return (
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${escapeValue(value)}`)
        .join('\n') + '\n\n'
    );
  }

  private onCommand(socket: net.Socket, command: EslCommand): void {
    const { line, headers } = command;
    if (line === 'connect') {
      this.record('connect');
      socket.write(this.channelData());
    } else if (line.startsWith('event ')) {
      this.record(line);
      commandReply(socket, '+OK event listener enabled json');
    } else if (line.startsWith('filter ')) {
      this.record(line);
      commandReply(socket, `+OK filter added.`);
    } else if (line.startsWith('sendmsg')) {
      commandReply(socket, '+OK');
      if (headers['call-command'] === 'execute') {
        this.onExecute(socket, { app: headers['execute-app-name'] ?? '', arg: headers['execute-app-arg'] ?? '' }, headers['Event-UUID'] ?? '');
      }
    } else if (line.startsWith('api ')) {
      this.onApi(socket, line.slice(4));
    } else if (line === 'exit') {
      commandReply(socket, '+OK bye');
      socket.end();
    } else {
      this.record(`unknown command ${line}`);
      commandReply(socket, '-ERR command not found');
    }
  }

  private onExecute(socket: net.Socket, call: ExecutedApp, eventUuid: string): void {
    this.executed.push(call);
    this.record(`execute ${call.app} ${call.arg}`.trimEnd());
    if (call.app === 'hangup') {
      this.complete(socket, { eventUuid, call }, '+OK');
      if (this.standIn.behaviour.ignoreHangup) return;
      this.dialog.emit('destroy');
      this.closeSocket();
      return;
    }
    if (call.app === 'playback' || call.app === 'endless_playback') {
      const playback = { eventUuid, call };
      if (this.playing) this.queued.push(playback);
      else this.startPlayback(socket, playback);
      return;
    }
    this.complete(socket, { eventUuid, call }, '+OK');
  }

  private startPlayback(socket: net.Socket, playback: Playback): void {
    this.playing = playback;
    if (isEndless(playback.call)) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.playing !== playback) return;
      this.finishPlayback(socket, 'FILE PLAYED');
    }, this.standIn.behaviour.finitePlaybackMs);
    timer.unref();
    this.timers.add(timer);
  }

  private finishPlayback(socket: net.Socket, response: string): void {
    const done = this.playing;
    this.playing = undefined;
    if (done) this.complete(socket, done, response);
    const next = this.queued.shift();
    if (next) this.startPlayback(socket, next);
  }

  private complete(socket: net.Socket, playback: Playback, response: string): void {
    if (socket.destroyed) return;
    sendEvent(socket, {
      'Event-Name': 'CHANNEL_EXECUTE_COMPLETE',
      'Unique-ID': this.uuid,
      Application: playback.call.app,
      'Application-Data': playback.call.arg,
      'Application-UUID': playback.eventUuid,
      'Application-Response': response,
    });
  }

  private onApi(socket: net.Socket, text: string): void {
    this.record(`api ${text}`);
    const [command, ...args] = text.split(/\s+/);
    switch (command) {
      case 'uuid_break':
        // "all" also flushes what was queued behind the current application.
        if (args[1] === 'all') this.queued.length = 0;
        if (this.playing) this.finishPlayback(socket, 'FILE PLAYED');
        apiResponse(socket, '+OK');
        return;
      case 'uuid_bridge': {
        if (this.standIn.behaviour.refuseBridge) {
          apiResponse(socket, '-ERR no such channel');
          return;
        }
        this.bridgedWith = args[1];
        apiResponse(socket, `+OK ${args[1] ?? ''}`);
        return;
      }
      case 'uuid_set_media_stats':
        apiResponse(socket, '+OK');
        return;
      case 'uuid_dump':
        apiResponse(
          socket,
          [
            `variable_rtp_local_sdp_str: ${escapeValue(this.localSdp)}`,
            `variable_switch_r_sdp: ${escapeValue(this.dialog.modifies.at(-1) ?? this.offer ?? '')}`,
            'variable_local_media_ip: 127.0.0.1',
            'variable_local_media_port: 16384',
          ].join('\n'),
        );
        return;
      default:
        apiResponse(socket, `-ERR ${command ?? ''} Command not found!`);
    }
  }
}

function sdp(port: number, sessionId: number): string {
  return ['v=0', `o=FreeSWITCH ${sessionId} ${sessionId} IN IP4 127.0.0.1`, 's=FreeSWITCH', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
}

export class EslStandIn {
  /** Every command seen, in order: `inbound: …` or `<channel uuid>: …`. */
  readonly journal: string[] = [];
  readonly channels: StandInChannel[] = [];
  readonly behaviour: StandInBehaviour = { finitePlaybackMs: 30 };
  /** Endpoint INVITEs received (request URI and headers), including refused ones. */
  readonly invites: Array<{ uri: string; headers: Record<string, string> }> = [];
  private readonly inbound = new Set<net.Socket>();
  private nextMediaPort = 16384;
  private authenticatedLogins = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly options: Required<EslStandInOptions>,
  ) {}

  static async start(options: EslStandInOptions, port = 0): Promise<EslStandIn> {
    const server = net.createServer();
    const standIn = new EslStandIn(server, { profile: 'drachtio_mrf', sipHostPort: '127.0.0.1:5080', ...options });
    server.on('connection', (socket) => standIn.onInbound(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return standIn;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('stand-in is not listening');
    return address.port;
  }

  /** Successful event-socket logins so far (the first connection, preflight checks and reconnects). */
  get logins(): number {
    return this.authenticatedLogins;
  }

  get openInboundConnections(): number {
    return this.inbound.size;
  }

  channel(uuid: string): StandInChannel {
    const found = this.channels.find((channel) => channel.uuid === uuid);
    if (!found) throw new Error(`no stand-in channel ${uuid}`);
    return found;
  }

  /** Cuts every inbound event-socket connection, as a FreeSWITCH restart of mod_event_socket would. */
  dropInboundConnections(): void {
    for (const socket of this.inbound) socket.destroy();
  }

  /**
   * The SIP side, shaped like the drachtio-srf instance fsmrf is given. Only createUAC is
   * implemented; that is all fsmrf 4.1.2 calls for endpoints.
   */
  get srf(): Srf {
    const fake = { createUAC: (uri: string, opts: { headers?: Record<string, string>; localSdp?: string }) => this.onInvite(uri, opts) };
    return fake as unknown as Srf;
  }

  async stop(): Promise<void> {
    for (const socket of this.inbound) socket.destroy();
    for (const channel of this.channels) channel.destroySocket();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onInvite(uri: string, opts: { headers?: Record<string, string>; localSdp?: string }): Promise<StandInDialog> {
    const headers = opts.headers ?? {};
    this.invites.push({ uri, headers });
    this.journal.push(`SIP INVITE ${uri}${opts.localSdp ? ' with offer' : ' without offer'}`);
    if (uri !== `sip:drachtio@${this.options.sipHostPort}`) throw Object.assign(new Error('404 Not Found'), { status: 404 });
    if (this.behaviour.rejectInvitesWith !== undefined) {
      const status = this.behaviour.rejectInvitesWith;
      throw Object.assign(new Error(`SIP ${status}`), { status });
    }
    const userAgent = /^drachtio-fsmrf:(.+)$/.exec(headers['User-Agent'] ?? '');
    const outbound = /^(.+):(\d+)$/.exec(headers['X-esl-outbound'] ?? '');
    if (!userAgent || !outbound) throw Object.assign(new Error('480 no fsmrf headers'), { status: 480 });
    const channel = new StandInChannel(this, opts.localSdp, sdp(this.nextMediaPort, this.nextMediaPort), userAgent[1]!);
    this.nextMediaPort += 2;
    this.channels.push(channel);
    if (!this.behaviour.skipOutboundConnect) {
      // The dialplan's `socket` application runs once the call is answered.
      setImmediate(() => channel.connectBack(outbound[1]!, Number(outbound[2])));
    }
    return channel.dialog;
  }

  private onInbound(socket: net.Socket): void {
    this.inbound.add(socket);
    socket.on('close', () => this.inbound.delete(socket));
    socket.on('error', () => undefined);
    socket.write('Content-Type: auth/request\n\n');
    socket.on(
      'data',
      commandReader(({ line }) => {
        this.journal.push(`inbound: ${line.startsWith('auth ') ? 'auth ***' : line}`);
        if (line.startsWith('auth ')) {
          if (line.slice(5) === this.options.password) {
            this.authenticatedLogins++;
            commandReply(socket, '+OK accepted');
          } else {
            commandReply(socket, '-ERR invalid');
            socket.end();
          }
        } else if (line.startsWith('event ')) {
          commandReply(socket, '+OK event listener enabled json');
        } else if (line === 'api sofia status') {
          apiResponse(socket, this.sofiaStatus());
        } else if (line === 'exit') {
          commandReply(socket, '+OK bye');
          socket.end();
        } else if (line.startsWith('api ')) {
          apiResponse(socket, '-ERR Command not found!');
        } else {
          commandReply(socket, '-ERR command not found');
        }
      }),
    );
  }

  private sofiaStatus(): string {
    const rule = '='.repeat(97);
    return [
      '                     Name\t   Type\t                                      Data\tState',
      rule,
      `           ${this.options.profile}\tprofile\t         sip:mod_sofia@${this.options.sipHostPort}\tRUNNING (0)`,
      rule,
      '1 profile 0 aliases',
      '',
    ].join('\n');
  }
}
