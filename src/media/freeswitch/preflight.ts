import { Connection } from 'drachtio-modesl';

/** FreeSWITCH refused the event-socket password: retrying will not help, so it is reported loudly. */
export class EslAuthenticationError extends Error {
  override readonly name = 'EslAuthenticationError';
}

/** FreeSWITCH answered but has no SIP profile of the expected name (fsmrf would throw out of its socket handler). */
export class MissingSipProfileError extends Error {
  override readonly name = 'MissingSipProfileError';
}

export class EslUnreachableError extends Error {
  override readonly name = 'EslUnreachableError';
}

export interface PreflightTarget {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly profile: string;
  readonly timeoutMs: number;
}

/** The profile line of `sofia status`, matched as fsmrf matches it. */
export function sofiaStatusHasProfile(status: string, profile: string): boolean {
  const escaped = profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*${escaped}\\s.*sip:mod_sofia@(?:[0-9]{1,3}\\.){3}[0-9]{1,3}:\\d+`, 'm').test(status);
}

/**
 * Logs in to the event socket once, checks `sofia status` for the profile, and closes. Done
 * before handing the connection to fsmrf because fsmrf neither reports a wrong password (it
 * waits forever) nor survives a missing profile (it throws inside a socket callback).
 */
export function preflight(target: PreflightTarget): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Stop drachtio-modesl's automatic reconnects before closing.
      conn.closing = true;
      conn.removeAllListeners();
      conn.on('error', () => undefined);
      try {
        conn.disconnect();
      } catch {
        // the socket is already gone
      }
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new EslUnreachableError(`no answer from the FreeSWITCH event socket at ${target.host}:${target.port} within ${target.timeoutMs} ms`)),
      target.timeoutMs,
    );
    const conn = new Connection(target.host, target.port, target.password, () => {
      conn.api('sofia status', (response) => {
        if (sofiaStatusHasProfile(response.getBody(), target.profile)) finish();
        else finish(new MissingSipProfileError(`FreeSWITCH has no running SIP profile named ${target.profile} (see sip-profiles/)`));
      });
    });
    conn.on('error', (err: unknown) => {
      conn.closing = true;
      finish(new EslUnreachableError(`FreeSWITCH event socket at ${target.host}:${target.port}: ${err instanceof Error ? err.message : String(err)}`));
    });
    conn.on('esl::event::auth::fail', () => {
      conn.closing = true;
      finish(new EslAuthenticationError(`FreeSWITCH refused the event-socket password at ${target.host}:${target.port}`));
    });
    conn.on('esl::end', () => {
      conn.closing = true;
      finish(new EslUnreachableError(`FreeSWITCH closed the event socket at ${target.host}:${target.port}`));
    });
  });
}
