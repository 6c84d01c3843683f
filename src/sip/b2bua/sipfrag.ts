/** RFC 3515 §2.4.5 progress of a REFER: NOTIFY with a message/sipfrag status line. */
import type Srf from 'drachtio-srf';
import { sendInDialog } from './dialog-requests';

export interface ReferProgress {
  readonly status: number;
  readonly reason: string;
  /** The last NOTIFY of the implicit subscription. */
  readonly final: boolean;
}

export async function notifyReferProgress(dialog: Srf.Dialog, referCseq: string, progress: ReferProgress): Promise<number> {
  const response = await sendInDialog(dialog, {
    method: 'NOTIFY',
    headers: {
      Event: `refer;id=${referCseq}`,
      'Subscription-State': progress.final ? 'terminated;reason=noresource' : 'active;expires=60',
      'Content-Type': 'message/sipfrag;version=2.0',
    },
    body: `SIP/2.0 ${progress.status} ${progress.reason}\r\n`,
  });
  return response.status;
}
