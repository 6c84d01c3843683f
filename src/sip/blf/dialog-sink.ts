/** NOTIFYs of one busy-lamp subscription, sent inside its SUBSCRIBE dialog. */
import type { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import { hangUp, requestInDialog } from '../srf-extras';
import { DIALOG_INFO_CONTENT_TYPE } from './dialog-info';
import type { DeliveryOutcome, Notification, NotifySink } from './subscription-manager';

/** RFC 6665 §4.2.2: these answers to a NOTIFY mean the subscription no longer exists. */
const GONE_STATUSES: ReadonlySet<number> = new Set([408, 481, 489]);

export class DialogNotifySink implements NotifySink {
  private readonly cleanups: Array<() => void> = [];

  /** `event` is the SUBSCRIBE's Event header as written: NOTIFYs repeat it (RFC 6665 §8.2.1, with any id). */
  constructor(
    private readonly dialog: Srf.Dialog,
    private readonly event: string,
  ) {}

  /** A refresh SUBSCRIBE inside the dialog (srf answers an Expires: 0 one itself and emits `unsubscribe`). */
  onRefresh(listener: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void {
    this.listen('subscribe', (req, res) => listener(req as Srf.SrfRequest, res as Srf.SrfResponse));
  }

  onUnsubscribe(listener: () => void): void {
    this.listen('unsubscribe', () => listener());
  }

  /** The dialog is gone (srf saw the final NOTIFY answered, or a terminating NOTIFY). */
  onDestroy(listener: () => void): void {
    this.listen('destroy', () => listener());
  }

  private listen(event: string, listener: (...args: unknown[]) => void): void {
    const emitter: EventEmitter = this.dialog;
    emitter.on(event, listener);
    this.cleanups.push(() => void emitter.removeListener(event, listener));
  }

  async send(notification: Notification): Promise<DeliveryOutcome> {
    const response = await requestInDialog(this.dialog, {
      method: 'NOTIFY',
      headers: {
        Event: this.event,
        'Subscription-State': notification.subscriptionState,
        'Content-Type': DIALOG_INFO_CONTENT_TYPE,
      },
      body: notification.body,
    });
    if (!GONE_STATUSES.has(response.status)) return 'delivered';
    // Forget the dialog in srf too; the terminating NOTIFY this sends is answered 481 at worst.
    void hangUp(this.dialog).catch(() => undefined);
    return 'gone';
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
