// Hostile stanzas for the component: every IQ payload it routes (XEP-0357 publishes, XEP-0050
// commands, XEP-0030 disco, the relay protocol) with wrong shapes, types, sizes and addresses,
// unknown payloads, and the messages, presences and IQ answers a peer may send.
import type { Element } from '@xmpp/component';
import fc from 'fast-check';
import { el, hex, jid, junk, opt, text } from './stanza-basics.js';
import { command, disco } from './stanza-commands.js';
import { publish } from './stanza-publish.js';
import { relayProtocol } from './stanza-relay.js';
import { COMPONENT, type Seed, USER } from './stanza-world.js';

/** The IQ type a payload is routed under. */
const TYPE_OF: Record<string, string> = {
  pubsub: 'set',
  command: 'set',
  query: 'get',
  list: 'get',
};

/** The payloads of IQs to the component, by what they exercise. */
export function payloads(seed: Seed, sessions: () => string[]) {
  return {
    publish: publish(seed),
    command: command(seed, sessions),
    other: fc.oneof(disco, relayProtocol(seed), junk),
  };
}

/** An IQ around `payload` (sometimes with none or several), of any type, id and addresses. */
export function iq(payload: fc.Arbitrary<Element>): fc.Arbitrary<Element> {
  return fc
    .record({
      payloads: fc.oneof(
        { weight: 12, arbitrary: payload.map((p) => [p]) },
        fc.array(payload, { maxLength: 3 }),
      ),
      type: fc.oneof(
        { weight: 10, arbitrary: fc.constant(undefined) },
        fc.constantFrom('get', 'set', 'result', 'error', 'GET', ''),
      ),
      id: fc.oneof({ weight: 4, arbitrary: hex(1, 8) }, opt(text)),
      from: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('localhost', USER) }, opt(jid, 12)),
      to: fc.oneof({ weight: 6, arbitrary: fc.constant(COMPONENT) }, opt(jid)),
    })
    .map((s) =>
      el(
        'iq',
        {
          type: s.type ?? (s.payloads[0] && TYPE_OF[s.payloads[0].name]) ?? 'set',
          id: s.id,
          from: s.from,
          to: s.to,
        },
        ...s.payloads,
      ),
    );
}

/** Messages, presences (chances for the token collector) and stray IQ answers. */
export const notRequest: fc.Arbitrary<Element> = fc.oneof(
  fc
    .record({
      type: opt(fc.constantFrom('chat', 'normal', 'headline', 'groupchat', 'error', 'x')),
      from: jid,
      to: fc.constantFrom(COMPONENT, 'x@push.localhost'),
      body: opt(text),
      extra: fc.array(junk, { maxLength: 2 }),
    })
    .map((m) =>
      el(
        'message',
        { type: m.type, from: m.from, to: m.to },
        ...(m.body === undefined ? [] : [el('body', {}, m.body)]),
        ...m.extra,
      ),
    ),
  fc
    .record({
      type: opt(fc.constantFrom('unavailable', 'subscribe', 'probe', 'error', 'x'), 1),
      from: jid,
      to: fc.constantFrom(COMPONENT, 'x@push.localhost'),
      extra: fc.array(junk, { maxLength: 2 }),
    })
    .map((p) => el('presence', { type: p.type, from: p.from, to: p.to }, ...p.extra)),
  fc
    .record({
      type: fc.constantFrom('result', 'error'),
      id: opt(hex(0, 8)),
      from: jid,
      children: fc.array(junk, { maxLength: 2 }),
    })
    .map((r) => el('iq', { type: r.type, id: r.id, from: r.from, to: COMPONENT }, ...r.children)),
);
