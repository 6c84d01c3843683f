/** Building requests inside a dialog (RFC 3261 §12.2.1.1). */
import { SipRequest } from '../message/sip-message';
import type { Endpoint } from '../transport/types';
import { hostPort, withTag } from './addressing';
import { advertisedHost, type CoreContext } from './context';
import type { Dialog } from './dialog';
import { newBranch } from '../message/ids';
import { nextHopInDialog } from './next-hop';

export interface PreparedRequest {
  request: SipRequest;
  destination: Endpoint;
  local: Endpoint;
}

/** The Via the engine puts on requests it sends (client rport always on, RFC 3581). */
export function viaFor(context: CoreContext, local: Endpoint, branch = newBranch()): string {
  const host = advertisedHost(context, local.address);
  return `SIP/2.0/${local.protocol.toUpperCase()} ${hostPort(host, local.port)};rport;branch=${branch}`;
}

/**
 * A request in `dialog` with request-URI = remote target, From/To with the dialog tags, Call-ID,
 * CSeq `cseq method`, the route set, a fresh Via and Max-Forwards. Headers and body are added by the caller.
 */
export async function prepareInDialogRequest(
  context: CoreContext,
  dialog: Dialog,
  method: string,
  cseq: number,
  requestUri = dialog.remoteTarget,
): Promise<PreparedRequest> {
  const destination = await nextHopInDialog(dialog);
  const local = context.transport.localFor(destination);
  const request = new SipRequest(method, requestUri);
  request.append('Via', viaFor(context, local));
  request.append('Max-Forwards', '70');
  request.append('From', withTag(dialog.localUri, dialog.localTag));
  request.append('To', withTag(dialog.remoteUri, dialog.remoteTag));
  request.append('Call-ID', dialog.callId);
  request.append('CSeq', `${cseq} ${method}`);
  for (const route of dialog.routeSet) request.append('Route', route);
  return { request, destination, local };
}
