/**
 * BYEs the engine sends on its own (wire protocol §7): no ACK for our 2xx, a 2xx that won the race
 * against the app's CANCEL. The app learns of it through an S4 frame.
 */
import { meta6, unsolicitedByeTokens } from '../control/leader';
import type { ClientTransactionUser } from '../transaction/types';
import { detach, type CoreContext } from './context';
import type { Dialog } from './dialog';
import { prepareInDialogRequest } from './in-dialog-request';
import { fixContentLength, formatSipText } from './sip-text';

const IGNORE_RESPONSES: ClientTransactionUser = {
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
};

/** Sends BYE in `dialog` and removes it; the owner gets S4 unless `notifyApp` is false (it never knew the dialog). */
export function sendEngineBye(context: CoreContext, dialog: Dialog, reasonText: string, notifyApp = true): void {
  context.dialogs.remove(dialog);
  const log = context.log.child({ dialogId: dialog.id });
  log.info({ reason: reasonText }, 'engine tears the dialog down with BYE');
  detach(
    log,
    'engine BYE',
    (async () => {
      const { request, destination, local } = await prepareInDialogRequest(context, dialog, 'BYE', dialog.nextLocalCSeq());
      request.append('Reason', `SIP ;cause=200 ;text="${reasonText}"`);
      fixContentLength(request);
      context.transactions.sendRequest(request, destination, IGNORE_RESPONSES);
      if (!notifyApp || dialog.owner.closed) return;
      const text = formatSipText(request);
      const meta = meta6({
        source: 'application',
        bytes: Buffer.byteLength(text),
        protocol: destination.protocol,
        address: local.address,
        port: local.port,
      });
      dialog.owner.push(unsolicitedByeTokens(meta, dialog.id), text);
    })(),
  );
}
