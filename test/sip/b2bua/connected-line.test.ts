import pino from 'pino';
import type Srf from 'drachtio-srf';
import { assertedIdentity, connectedLineMethod, updateConnectedLine } from '../../../src/sip/b2bua/connected-line';

const log = pino({ level: 'silent' });

function fakeDialog(status: number) {
  const sent: Array<{ method: string; headers: Record<string, string>; body?: string }> = [];
  const dialog = {
    local: { sdp: 'v=0\r\no=- 1 7 IN IP4 127.0.0.1\r\n' },
    request: (opts: { method: string; headers: Record<string, string>; body?: string }) => {
      sent.push(opts);
      return Promise.resolve({ status });
    },
  };
  return { dialog: dialog as unknown as Srf.Dialog, sent };
}

describe('connected line after retrieval', () => {
  test('UPDATE when the phone allows it, else re-INVITE', () => {
    expect(connectedLineMethod('INVITE, ACK, BYE, UPDATE')).toBe('UPDATE');
    expect(connectedLineMethod('INVITE,ACK,BYE,update')).toBe('UPDATE');
    expect(connectedLineMethod('INVITE, ACK, BYE')).toBe('INVITE');
    expect(connectedLineMethod(undefined)).toBe('INVITE');
  });

  test('P-Asserted-Identity with a cleaned display name', () => {
    expect(assertedIdentity({ uri: 'sip:carol@example.com', displayName: 'Carol "C"' })).toBe('"Carol C" <sip:carol@example.com>');
    expect(assertedIdentity({ uri: 'sip:carol@example.com' })).toBe('<sip:carol@example.com>');
  });

  test('UPDATE carries only the identity; re-INVITE repeats our SDP unchanged', async () => {
    const update = fakeDialog(200);
    await expect(updateConnectedLine(update.dialog, { uri: 'sip:carol@x', displayName: 'Carol' }, { enabled: true, allow: 'UPDATE', log })).resolves.toBe('updated');
    expect(update.sent).toEqual([{ method: 'UPDATE', headers: { 'P-Asserted-Identity': '"Carol" <sip:carol@x>' }, body: undefined }]);

    const reinvite = fakeDialog(200);
    await updateConnectedLine(reinvite.dialog, { uri: 'sip:carol@x' }, { enabled: true, allow: 'INVITE, BYE', log });
    expect(reinvite.sent[0]!.method).toBe('INVITE');
    expect(reinvite.sent[0]!.body).toContain('o=- 1 7 IN IP4');
  });

  test('switched off: nothing is sent; refused: reported, not thrown', async () => {
    const off = fakeDialog(200);
    await expect(updateConnectedLine(off.dialog, { uri: 'sip:c@x' }, { enabled: false, log })).resolves.toBe('skipped');
    expect(off.sent).toHaveLength(0);
    const refused = fakeDialog(501);
    await expect(updateConnectedLine(refused.dialog, { uri: 'sip:c@x' }, { enabled: true, allow: 'UPDATE', log })).resolves.toBe('refused');
  });
});
