// The load generator's readers of the component's IQ answers (`--parser ltx`, the default, or
// `--parser scan`). Each is fed the component's stream after the handshake, chunk by chunk, and
// calls `onAnswer` once per answered IQ (its id, type and, on errors, the condition) and `onEnd`
// when the stream ends (a stream error or the stream's end tag; ltx also on broken XML).
import { type IqAnswer, iqAnswerReader } from '../harness/fakes/component-port.js';

export type ParserKind = 'scan' | 'ltx';

/**
 * Finds answered IQs in the stream. `scan`: a regular expression over start tags (only <iq> and
 * the condition inside <error>); `ltx`: ltx's streaming SAX parser (full XML tokenizing).
 */
export type Reader = (chunk: string) => void;

function scanReader(onAnswer: (a: IqAnswer) => void, onEnd: (why: string) => void): Reader {
  let pending = '';
  let open: IqAnswer | undefined;
  let inError = false;
  const TAG = /<(\/?)([a-zA-Z:-]+)\b([^>]*)>/g;
  const attr = (s: string, name: string) => new RegExp(`\\s${name}=(['"])([^'"]*)\\1`).exec(s)?.[2];
  return (chunk) => {
    const s = pending + chunk;
    TAG.lastIndex = 0;
    let last = 0;
    for (let m = TAG.exec(s); m; m = TAG.exec(s)) {
      last = TAG.lastIndex;
      const [, close, name, rest = ''] = m;
      if (name === 'iq') {
        if (close) {
          if (open) onAnswer(open);
          open = undefined;
          continue;
        }
        const a: IqAnswer = { id: attr(rest, 'id') ?? '', type: attr(rest, 'type') ?? '' };
        inError = false;
        if (rest.endsWith('/')) onAnswer(a);
        else open = a;
      } else if (open?.type === 'error' && !close && open.condition === undefined) {
        if (name === 'error') inError = true;
        else if (inError && name !== 'text') open.condition = name;
      } else if (name === 'stream:error' || (close && name === 'stream:stream')) {
        onEnd(name);
      }
    }
    const lt = s.lastIndexOf('<');
    pending = lt >= last && s.indexOf('>', lt) === -1 ? s.slice(lt) : '';
  };
}

/** The reader `parser` names: ltx's is `iqAnswerReader` (harness/fakes/component-port.ts). */
export function answerReader(
  parser: ParserKind,
  onAnswer: (a: IqAnswer) => void,
  onEnd: (why: string) => void,
): Reader {
  return parser === 'ltx' ? iqAnswerReader(onAnswer, onEnd) : scanReader(onAnswer, onEnd);
}
