// Hostile stanzas through the whole component (its IQ router, handlers, relay and a real SQLite
// store): no crash, every request answered exactly once with a result or a well-typed error,
// nothing answered that is not a request, and nothing stored by a stanza that was refused.
// An unhandled rejection or uncaught exception fails the test by itself (jest sees to that).
// FUZZ_SEED=<n> runs another sequence; a failure prints its seed and the smallest failing input.
import { afterEach, beforeEach, it } from '@jest/globals';
import type { Element } from '@xmpp/component';
import fc from 'fast-check';
import { NS_STANZAS } from '../component/ns.js';
import { type Condition, StanzaError } from '../component/stanza-error.js';
import { shortReport } from './fuzz/report.js';
import { iq, notRequest, payloads } from './fuzz/stanza-arbitraries.js';
import { type PeerAnswer, peerAnswer } from './fuzz/stanza-relay.js';
import { isReply, type StanzaWorld, stanzaWorld } from './fuzz/stanza-world.js';

const seed = Number(process.env.FUZZ_SEED ?? 20_261_203);

let world: StanzaWorld;
/** The store's rows per table, read again only after it committed something. */
let rows: Record<string, number>;
let version: number;
// A fresh component and store for each property, so that what one stored does not slow the next.
beforeEach(async () => {
  world = await stanzaWorld();
  rows = world.rows();
  version = world.version();
});
afterEach(() => world.close());

/** What is wrong with an error reply, if anything: RFC 6120 §8.3 and our table of types. */
function errorProblem(reply: Element): string | undefined {
  // The callee puts the request's payload (which may be any `<error/>`) before its own error.
  const error = reply.getChildren('error').at(-1);
  if (!error) return 'an error reply without <error/>';
  const conditions = error
    .getChildElements()
    .filter((c) => c.attrs.xmlns === NS_STANZAS && c.name !== 'text');
  if (conditions.length !== 1) return `${conditions.length} defined conditions`;
  const condition = (conditions[0] as Element).name;
  const expected = new StanzaError(condition as Condition).type;
  if (expected === undefined) return `condition ${condition} is not in the table`;
  if (error.attrs.type !== expected)
    return `${condition} of type ${error.attrs.type}, not ${expected}`;
  // A handler that threw: the stanza found a crash, even though the answer is well-formed.
  if (condition === 'internal-server-error') return 'internal-server-error (a handler threw)';
  return undefined;
}

/** Whether xmpp.js can read `address` (it needs a domain); the link drops stanzas it cannot. */
function readable(address: string | undefined): boolean {
  if (!address) return true;
  const bare = address.split('/')[0] as string;
  return bare.slice(bare.indexOf('@') + 1) !== '';
}

/**
 * Errors the entity reports that are not ours: @xmpp/iq's caller throws (and the link logs it)
 * when a peer answers one of our requests with an error IQ without `<error/>`.
 */
const theirs = (err: unknown) => String((err as Error).stack).includes('IQCaller._route');

/**
 * Rows that changed, as `table: before -> after`, or undefined when none did. A refused second
 * step of a command ends its sender's own session: a session may go, never come.
 */
function changed(before: Record<string, number>, after: Record<string, number>) {
  const diff = Object.keys(after).filter(
    (t) =>
      before[t] !== after[t] && !(t === 'command_sessions' && (after[t] ?? 0) < (before[t] ?? 0)),
  );
  return diff.length === 0
    ? undefined
    : `stored: ${diff.map((t) => `${t} ${before[t]} -> ${after[t]}`).join(', ')}`;
}

/** What is wrong with the component's handling of `stanza`, if anything. */
async function examine(stanza: Element, answer: PeerAnswer): Promise<string | undefined> {
  world.peer = answer;
  world.errors.length = 0;
  const { type, from, to } = stanza.attrs;
  const dropped = !readable(from) || !readable(to);
  const request = !dropped && stanza.name === 'iq' && type !== 'result' && type !== 'error';
  const before = rows;
  const sent = await world.deliver(stanza, request);
  if (world.version() !== version) {
    version = world.version();
    rows = world.rows();
  }
  const replies = sent.filter(isReply);
  const errors = world.errors.filter((e) => !theirs(e));
  if (errors.length > 0) return `the entity reported ${(errors[0] as Error).stack}`;
  if (!request) {
    if (replies.length > 0) return `answered a stanza that is no request: ${replies[0]}`;
    // The user's own client may hand the collector tokens of a configured relay: those are kept.
    return changed(before, answer.gives ? { ...rows, collected: before.collected ?? 0 } : rows);
  }
  if (replies.length !== 1) return `${replies.length} replies: ${replies.join(' ')}`;
  const reply = replies[0] as Element;
  if (reply.attrs.id !== stanza.attrs.id || reply.attrs.to !== stanza.attrs.from) {
    return `reply not addressed to the request: ${reply}`;
  }
  if (reply.attrs.type === 'result') {
    return type === 'get' || type === 'set' ? undefined : `result for an IQ of type ${type}`;
  }
  const problem = errorProblem(reply);
  return problem ? `${problem}: ${reply}` : changed(before, rows);
}

async function check(stanza: Element, answer: PeerAnswer): Promise<void> {
  const problem = await examine(stanza, answer);
  if (problem) throw new Error(problem);
}

/** Runs `property` `runs` times over generated stanzas, each with a generated peer. */
function fuzz(runs: number, stanzas: fc.Arbitrary<Element>) {
  return fc.assert(fc.asyncProperty(stanzas, peerAnswer, check), {
    numRuns: runs,
    seed,
    asyncReporter: shortReport,
  });
}

const payloadsOf = () => payloads(world.seed, () => world.sessions);

it('answers 35,000 hostile XEP-0357 publishes once each, with a result or a well-typed error, storing nothing when refusing', async () => {
  await fuzz(35_000, iq(payloadsOf().publish));
});

it('answers 35,000 hostile XEP-0050 commands (every node offered) once each, with a result or a well-typed error, storing nothing when refusing', async () => {
  await fuzz(35_000, iq(payloadsOf().command));
});

it('answers 20,000 hostile disco queries, relay-protocol requests and unknown payloads once each, with a result or a well-typed error, storing nothing when refusing', async () => {
  await fuzz(20_000, iq(payloadsOf().other));
});

it('answers none of 10,000 hostile messages, presences and IQ results or errors, and stores nothing', async () => {
  await fuzz(10_000, notRequest);
});
