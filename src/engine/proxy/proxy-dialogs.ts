/**
 * Record-routed INVITE dialogs the proxy stays in. The proxy keeps no dialog state for routing
 * (Route headers say where to go); it remembers the two TCP flows so that in-dialog requests can
 * reuse the connection a peer opened, whose Contact may name no transport or an unreachable port.
 */
import type { Endpoint } from '../transport/types';

export interface ProxyDialog {
  readonly callId: string;
  /** From-tag of the dialog-creating request (the caller's tag). */
  readonly callerTag: string;
  /** To-tag of the 2xx (the callee's tag). */
  readonly calleeTag: string;
  readonly callerFlow: Endpoint;
  readonly calleeFlow: Endpoint;
}

function keyOf(callId: string, callerTag: string, calleeTag: string): string {
  return `${callId}\u0000${callerTag}\u0000${calleeTag}`;
}

export class ProxyDialogs {
  private readonly byKey = new Map<string, ProxyDialog>();

  add(dialog: ProxyDialog): void {
    this.byKey.set(keyOf(dialog.callId, dialog.callerTag, dialog.calleeTag), dialog);
  }

  /** The dialog of an in-dialog request, whichever side sent it. */
  match(callId: string, fromTag: string, toTag: string): ProxyDialog | undefined {
    return this.byKey.get(keyOf(callId, fromTag, toTag)) ?? this.byKey.get(keyOf(callId, toTag, fromTag));
  }

  remove(dialog: ProxyDialog): void {
    this.byKey.delete(keyOf(dialog.callId, dialog.callerTag, dialog.calleeTag));
  }

  /** The TCP flow towards the other side of `fromTag`'s sender, when the dialog has one. */
  flowTowardsPeerOf(dialog: ProxyDialog, fromTag: string): Endpoint | undefined {
    const flow = fromTag === dialog.callerTag ? dialog.calleeFlow : dialog.callerFlow;
    return flow.protocol === 'tcp' ? flow : undefined;
  }

  clear(): void {
    this.byKey.clear();
  }

  get size(): number {
    return this.byKey.size;
  }
}
