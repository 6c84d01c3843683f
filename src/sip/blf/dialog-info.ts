/**
 * RFC 4235 `application/dialog-info+xml` documents for busy lamps. Only the subset phones read:
 * one <dialog> per orbit with its <state>, and the parked party as the remote identity (Yealink,
 * Polycom and Snom show it on the key).
 */
import type { OrbitLampState } from '../../park';

export const DIALOG_INFO_CONTENT_TYPE = 'application/dialog-info+xml';

/** RFC 4235 §3.7.1 dialog states a lamp can show. */
export type DialogState = 'terminated' | 'early' | 'confirmed';

/** DESIGN §4.7: free → terminated, parked → confirmed, ringing back → early. */
export function dialogStateForLamp(lamp: OrbitLampState): DialogState {
  switch (lamp) {
    case 'free':
      return 'terminated';
    case 'parked':
      return 'confirmed';
    case 'ringingBack':
      return 'early';
  }
}

export interface DialogParticipant {
  /** A SIP or tel URI. */
  readonly identity: string;
  readonly display?: string;
  /** The participant's target URI (RFC 4235 §4.1.6.2). */
  readonly target?: string;
}

export interface DialogEntry {
  /** Unique within the document (RFC 4235 §4.1.2). */
  readonly id: string;
  readonly state: DialogState;
  /** `recipient`: the orbit received the call. Omitted for a free orbit. */
  readonly direction?: 'initiator' | 'recipient';
  readonly local?: DialogParticipant;
  readonly remote?: DialogParticipant;
}

export interface DialogInfoDocument {
  /** The subscribed resource, e.g. `sip:704@pbx.example.com`. */
  readonly entity: string;
  /** RFC 4235 §4.1: 0 in the first NOTIFY of a subscription, then +1 per NOTIFY. */
  readonly version: number;
  readonly dialogs: readonly DialogEntry[];
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ESCAPES[char]!);
}

function participant(tag: 'local' | 'remote', who: DialogParticipant): string {
  const display = who.display ? ` display="${escapeXml(who.display)}"` : '';
  const lines = [`    <${tag}>`, `      <identity${display}>${escapeXml(who.identity)}</identity>`];
  if (who.target) lines.push(`      <target uri="${escapeXml(who.target)}"/>`);
  lines.push(`    </${tag}>`);
  return lines.join('\r\n');
}

function dialogElement(entry: DialogEntry): string {
  const direction = entry.direction ? ` direction="${entry.direction}"` : '';
  const lines = [`  <dialog id="${escapeXml(entry.id)}"${direction}>`, `    <state>${entry.state}</state>`];
  if (entry.local) lines.push(participant('local', entry.local));
  if (entry.remote) lines.push(participant('remote', entry.remote));
  lines.push('  </dialog>');
  return lines.join('\r\n');
}

/** A full-state document (RFC 4235 §4.1: we always send full state, never partial). */
export function dialogInfoXml(doc: DialogInfoDocument): string {
  if (!Number.isInteger(doc.version) || doc.version < 0) throw new RangeError(`dialog-info version must be a non-negative integer, got ${doc.version}`);
  const head = `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${doc.version}" state="full" entity="${escapeXml(doc.entity)}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  if (doc.dialogs.length === 0) {
    lines.push(`${head}/>`);
  } else {
    lines.push(`${head}>`, ...doc.dialogs.map(dialogElement), '</dialog-info>');
  }
  return `${lines.join('\r\n')}\r\n`;
}
