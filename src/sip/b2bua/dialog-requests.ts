/** In-dialog requests srf sends with plain options (its typings declare another signature). */
import type Srf from 'drachtio-srf';

export type RelayedMethod = 'INFO' | 'MESSAGE' | 'NOTIFY' | 'REFER' | 'UPDATE' | 'OPTIONS';

export interface InDialogOptions {
  method: RelayedMethod;
  headers: Record<string, string>;
  body?: string;
}

export function sendInDialog(dialog: Srf.Dialog, opts: InDialogOptions): Promise<Srf.SrfResponse> {
  return (dialog as unknown as { request(o: InDialogOptions): Promise<Srf.SrfResponse> }).request(opts);
}

/** Headers worth carrying from one leg's request to the other's (never Via, tags, CSeq or routes). */
export function relayableHeaders(req: { get(name: string): string | undefined; has(name: string): boolean }, names: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.get(name);
    if (value !== undefined && req.has(name)) headers[name] = value;
  }
  return headers;
}
