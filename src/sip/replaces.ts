import { MalformedHeaderError } from './name-addr';

/**
 * RFC 3891 §6.1: `Replaces = callid *(SEMI replaces-param)`, where to-tag and from-tag are
 * mandatory. Tags are given from the recipient's point of view: to-tag is our local tag,
 * from-tag the remote one (§3), which is also the From tag drachtio keys a UAS dialog by.
 */
export interface ReplacesTarget {
  readonly callId: string;
  readonly toTag: string;
  readonly fromTag: string;
  /** `early-only`: the replaced dialog must not be confirmed yet (§6.1). */
  readonly earlyOnly: boolean;
}

const TOKEN_CHARS = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// RFC 3261 §25.1 `word`, used by callid = word [ "@" word ]
const WORD_CHARS = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+$/;

export function parseReplaces(value: string): ReplacesTarget {
  const [rawCallId, ...rawParams] = value.split(';');
  const callId = (rawCallId ?? '').trim();
  const callIdWords = callId.split('@');
  if (!callId || callIdWords.length > 2 || !callIdWords.every((word) => WORD_CHARS.test(word))) {
    throw new MalformedHeaderError('Replaces', 'bad call-id');
  }
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const raw of rawParams) {
    const param = raw.trim();
    const eq = param.indexOf('=');
    const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    const paramValue = eq < 0 ? undefined : param.slice(eq + 1).trim();
    if (name === 'to-tag' || name === 'from-tag') {
      if (!paramValue || !TOKEN_CHARS.test(paramValue)) {
        throw new MalformedHeaderError('Replaces', `bad ${name}`);
      }
      if (name === 'to-tag') toTag = paramValue;
      else fromTag = paramValue;
    } else if (name === 'early-only') {
      earlyOnly = true;
    } else if (!name || !TOKEN_CHARS.test(name)) {
      throw new MalformedHeaderError('Replaces', 'bad parameter');
    }
  }
  if (!toTag) throw new MalformedHeaderError('Replaces', 'missing to-tag');
  if (!fromTag) throw new MalformedHeaderError('Replaces', 'missing from-tag');
  return { callId, toTag, fromTag, earlyOnly };
}

/** The slice of a drachtio dialog we need to check a Replaces match. */
export interface DialogTags {
  readonly sip: { callId: string; localTag: string; remoteTag: string };
}

export interface DialogFinder<D extends DialogTags> {
  findDialogByCallIDAndFromTag(callId: string, fromTag: string): D | undefined;
}

/**
 * The dialog a Replaces header names, if we hold it. drachtio keys a dialog by Call-ID and the
 * From tag of its dialog-creating request: the remote tag of a UAS dialog, our own tag of a UAC
 * one. Both tags are confirmed so that half a guessed id is not enough.
 */
export function findReplacedDialog<D extends DialogTags>(finder: DialogFinder<D>, target: ReplacesTarget): D | undefined {
  const candidates = [
    finder.findDialogByCallIDAndFromTag(target.callId, target.fromTag),
    finder.findDialogByCallIDAndFromTag(target.callId, target.toTag),
  ];
  return candidates.find(
    (dialog): dialog is D =>
      dialog !== undefined && dialog.sip.localTag === target.toTag && dialog.sip.remoteTag === target.fromTag,
  );
}
