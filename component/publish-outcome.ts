// What became of a XEP-0357 publish, and the answer it gets. Error types are protocol: the
// user's server disables the registration on a non-`wait` error (ejabberd at once, Prosody
// after 16), so only what can never succeed gets one.
import type { PushOutcome } from '../relay/service.js';
import type { Reply } from './iq-router.js';
import { type Condition, StanzaError } from './stanza-error.js';

/** What became of a XEP-0357 publish, as metrics and logs count it. */
export type PublishOutcome =
  | 'queued'
  | 'coalesced'
  | 'malformed'
  | 'unknown-node'
  | 'bad-secret'
  | 'wrong-publisher'
  | 'gone'
  | 'limited'
  | 'unavailable'
  | 'undeliverable'
  | 'too-large'
  | 'failed';

const UNDELIVERABLE: Record<'target' | 'access' | 'payload', [PublishOutcome, Condition]> = {
  target: ['undeliverable', 'item-not-found'],
  access: ['undeliverable', 'not-authorized'],
  payload: ['too-large', 'not-acceptable'],
};

/** The answer to a publish whose push had `outcome`; `gone` says what is gone. */
export function publishAnswer(outcome: PushOutcome, gone: string): [PublishOutcome, Reply] {
  if (outcome === 'queued' || outcome === 'coalesced') return [outcome, undefined];
  if (outcome === 'gone') return ['gone', new StanzaError('item-not-found', gone)];
  if ('unavailable' in outcome) {
    return ['unavailable', new StanzaError('recipient-unavailable', outcome.unavailable)];
  }
  const [counted, condition] = UNDELIVERABLE[outcome.cause];
  return [counted, new StanzaError(condition, outcome.undeliverable)];
}
