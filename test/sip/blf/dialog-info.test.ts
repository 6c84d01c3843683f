import { dialogInfoXml, dialogStateForLamp, escapeXml } from '../../../src/sip/blf/dialog-info';

describe('dialog-info+xml builder (RFC 4235)', () => {
  test('maps lamp states to dialog states', () => {
    expect(dialogStateForLamp('free')).toBe('terminated');
    expect(dialogStateForLamp('parked')).toBe('confirmed');
    expect(dialogStateForLamp('ringingBack')).toBe('early');
  });

  test('a free orbit: one terminated dialog, full state, version and entity', () => {
    const xml = dialogInfoXml({ entity: 'sip:704@pbx.example.com', version: 0, dialogs: [{ id: 'park-704', state: 'terminated' }] });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:704@pbx.example.com">',
        '  <dialog id="park-704">',
        '    <state>terminated</state>',
        '  </dialog>',
        '</dialog-info>',
        '',
      ].join('\r\n'),
    );
  });

  test('a parked orbit names the parked party as the remote identity, escaped', () => {
    const xml = dialogInfoXml({
      entity: 'sip:704@pbx',
      version: 3,
      dialogs: [
        {
          id: 'park-704',
          state: 'confirmed',
          direction: 'recipient',
          local: { identity: 'sip:704@pbx', target: 'sip:704@pbx' },
          remote: { identity: 'sip:carol@example.com', display: 'Carol "C" <Sales> & Co' },
        },
      ],
    });
    expect(xml).toContain('version="3"');
    expect(xml).toContain('<dialog id="park-704" direction="recipient">');
    expect(xml).toContain('<state>confirmed</state>');
    expect(xml).toContain('<identity display="Carol &quot;C&quot; &lt;Sales&gt; &amp; Co">sip:carol@example.com</identity>');
    expect(xml).toContain('<target uri="sip:704@pbx"/>');
    expect(xml.indexOf('<local>')).toBeLessThan(xml.indexOf('<remote>'));
  });

  test('no dialogs: an empty full-state document', () => {
    expect(dialogInfoXml({ entity: 'sip:700@pbx', version: 1, dialogs: [] })).toContain('state="full" entity="sip:700@pbx"/>');
  });

  test('refuses a negative or fractional version', () => {
    expect(() => dialogInfoXml({ entity: 'sip:x@y', version: -1, dialogs: [] })).toThrow(RangeError);
    expect(() => dialogInfoXml({ entity: 'sip:x@y', version: 1.5, dialogs: [] })).toThrow(RangeError);
  });

  test('escapeXml handles all five predefined entities', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
});
