import { Dialog, dialogMatchKey } from './dialog';

/** Dialogs by id (the app's handle) and by Call-ID + tags (matching network messages). */
export class DialogStore {
  private readonly byId = new Map<string, Dialog>();
  private readonly byMatchKey = new Map<string, Dialog>();

  add(dialog: Dialog): void {
    const existing = this.byId.get(dialog.id);
    if (existing !== undefined && existing !== dialog) this.remove(existing);
    this.byId.set(dialog.id, dialog);
    this.byMatchKey.set(dialog.matchKey, dialog);
  }

  get(id: string): Dialog | undefined {
    return this.byId.get(id);
  }

  /** The dialog a network message belongs to; for requests local = To-tag, remote = From-tag. */
  match(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.byMatchKey.get(dialogMatchKey(callId, localTag, remoteTag));
  }

  remove(dialog: Dialog): void {
    dialog.dispose();
    if (this.byId.get(dialog.id) === dialog) this.byId.delete(dialog.id);
    if (this.byMatchKey.get(dialog.matchKey) === dialog) this.byMatchKey.delete(dialog.matchKey);
  }

  all(): Dialog[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  clear(): void {
    for (const dialog of this.all()) this.remove(dialog);
  }
}
