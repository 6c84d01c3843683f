import { MalformedHeaderError } from '../../src/sip/name-addr';
import { findReplacedDialog, parseReplaces, type DialogTags } from '../../src/sip/replaces';

describe('parseReplaces (RFC 3891 §6.1)', () => {
  it('reads call-id, tags and early-only in any order', () => {
    expect(parseReplaces('98asjd8@1.2.3.4; from-tag=abc ;to-tag=xyz;early-only')).toEqual({
      callId: '98asjd8@1.2.3.4',
      toTag: 'xyz',
      fromTag: 'abc',
      earlyOnly: true,
    });
  });

  it('ignores unknown generic parameters', () => {
    expect(parseReplaces('id;to-tag=1;from-tag=2;foo=bar').earlyOnly).toBe(false);
  });

  it.each([
    ['', 'no call-id'],
    [';to-tag=1;from-tag=2', 'empty call-id'],
    ['a@b@c;to-tag=1;from-tag=2', 'two @'],
    ['call id;to-tag=1;from-tag=2', 'space in call-id'],
    ['id;from-tag=2', 'no to-tag'],
    ['id;to-tag=1', 'no from-tag'],
    ['id;to-tag=;from-tag=2', 'empty to-tag'],
    ['id;to-tag=1;from-tag=a b', 'bad from-tag'],
  ])('rejects %p (%s)', (value) => {
    expect(() => parseReplaces(value)).toThrow(MalformedHeaderError);
  });
});

describe('findReplacedDialog', () => {
  const uas: DialogTags = { sip: { callId: 'c1', localTag: 'ours', remoteTag: 'theirs' } };
  const uac: DialogTags = { sip: { callId: 'c2', localTag: 'mine', remoteTag: 'far' } };
  const dialogs = new Map([
    ['c1;from-tag=theirs', uas],
    ['c2;from-tag=mine', uac],
  ]);
  const finder = { findDialogByCallIDAndFromTag: (callId: string, tag: string) => dialogs.get(`${callId};from-tag=${tag}`) };

  it('finds a UAS dialog by the remote (From) tag', () => {
    expect(findReplacedDialog(finder, parseReplaces('c1;to-tag=ours;from-tag=theirs'))).toBe(uas);
  });

  it('finds a UAC dialog keyed by our own tag', () => {
    expect(findReplacedDialog(finder, parseReplaces('c2;to-tag=mine;from-tag=far'))).toBe(uac);
  });

  it('needs both tags to match', () => {
    expect(findReplacedDialog(finder, parseReplaces('c1;to-tag=guess;from-tag=theirs'))).toBeUndefined();
    expect(findReplacedDialog(finder, parseReplaces('c3;to-tag=ours;from-tag=theirs'))).toBeUndefined();
  });
});
