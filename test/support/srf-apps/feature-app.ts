/**
 * A small drachtio-srf app answering what the conformance scenarios send: INVITE (createUAS; the
 * request-URI user picks a behaviour), REFER inside the dialog (202 + sipfrag NOTIFY), SUBSCRIBE
 * (202, NOTIFY active, then NOTIFY terminated) and OPTIONS.
 */
import type Srf from 'drachtio-srf';
import { TEST_SDP } from './connect';

interface InDialogRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string;
}

/** srf's bundled typings describe `dialog.request` with the request type; it takes plain options. */
export function sendInDialog(dialog: Srf.Dialog, options: InDialogRequest): Promise<unknown> {
  return (dialog as unknown as { request(o: InDialogRequest): Promise<unknown> }).request(options);
}

export interface FeatureAppEvents {
  cancelled: number;
  refers: number;
  subscriptionsEnded: number;
}

function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? '';
}

export function installFeatureApp(srf: Srf): FeatureAppEvents {
  const events: FeatureAppEvents = { cancelled: 0, refers: 0, subscriptionsEnded: 0 };

  srf.invite((req, res) => {
    const user = userOf(req.uri);
    if (user === 'cancel-early' || user === 'cancel-ringing') {
      req.on('cancel', () => {
        events.cancelled += 1;
      });
      if (user === 'cancel-ringing') res.send(180);
      return;
    }
    srf
      .createUAS(req, res, { localSdp: TEST_SDP })
      .then((dialog) => {
        dialog.on('refer', (referReq, referRes) => {
          events.refers += 1;
          referRes.send(202);
          sendInDialog(dialog, {
            method: 'NOTIFY',
            headers: {
              Event: 'refer',
              'Subscription-State': 'terminated;reason=noresource',
              'Content-Type': 'message/sipfrag;version=2.0',
            },
            body: 'SIP/2.0 200 OK\r\n',
          }).catch(() => undefined);
          void referReq;
        });
      })
      .catch(() => undefined);
  });

  srf.use('subscribe', (req, res) => {
    srf
      .createUAS(req, res, { headers: { Expires: '60' } } as unknown as Srf.CreateUASOptions)
      .then(async (dialog) => {
        const notify = (state: string): Promise<unknown> =>
          sendInDialog(dialog, {
          method: 'NOTIFY',
          headers: {
            Event: 'dialog',
            'Subscription-State': state,
            'Content-Type': 'application/dialog-info+xml',
          },
          body: '<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:x@y"/>\n',
        });
      dialog.on('destroy', () => {
        events.subscriptionsEnded += 1;
      });
      await notify('active;expires=60');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await notify('terminated;reason=noresource');
    })
    .catch(() => undefined);
});

srf.use('options', (_req, res) => {
  res.send(200, { headers: { Allow: 'INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, NOTIFY, SUBSCRIBE' } });
});

return events;
}
