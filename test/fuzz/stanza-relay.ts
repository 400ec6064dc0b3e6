// The relay protocol both ways (see stanza-arbitraries.ts): hostile issue, push, revoke and
// list requests, and any answer a client gives the token collector.
import type { Element } from '@xmpp/component';
import fc from 'fast-check';
import { NS_DISCO_INFO, NS_RELAY } from '../../component/ns.js';
import { el, hex, junk, opt, text } from './stanza-basics.js';
import { COMPONENT, type Seed } from './stanza-world.js';

/** The relay protocol's issue, push, revoke and list (xep-draft/push-relay.xml). */
export function relayProtocol(seed: Seed): fc.Arbitrary<Element> {
  return fc
    .record({
      name: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('issue', 'push', 'revoke', 'list') },
        fc.constantFrom('tokens', 'token', 'x'),
      ),
      token: opt(fc.oneof(fc.constantFrom(seed.token, seed.remoteToken), hex(40, 40), text)),
      id: opt(fc.oneof(fc.constantFrom('1', '2', '0', '999999999999999999'), text)),
      name_: opt(text),
      priority: opt(fc.oneof(fc.constantFrom('high', 'low'), text)),
      data: opt(text),
    })
    .map((r) =>
      el(
        r.name,
        { xmlns: NS_RELAY, token: r.token, id: r.id, name: r.name_, priority: r.priority },
        ...(r.data === undefined ? [] : [el('data', {}, r.data)]),
      ),
    );
}

/** How a client answers the collector's requests; `gives` when it hands over tokens as asked. */
export type PeerAnswer = ((request: Element) => Element) & { gives: boolean };

/** How a client answers the collector's disco#info and tokens requests: any way at all. */
export const peerAnswer: fc.Arbitrary<PeerAnswer> = fc
  .record({
    kind: fc.constantFrom('result', 'error', 'spoof'),
    relay: fc.boolean(),
    tokens: fc.array(
      fc.record({
        relay: opt(fc.constantFrom(COMPONENT, 'relay.example.org', 'x')),
        token: fc.oneof(hex(40, 40), text),
      }),
      { maxLength: 3 },
    ),
    extra: fc.array(junk, { maxLength: 1 }),
  })
  .map((a) =>
    Object.assign(answerWith(a), {
      gives: a.kind === 'result' && a.relay,
      [fc.toStringMethod]: () => `peer ${JSON.stringify({ ...a, extra: a.extra.map(String) })}`,
    }),
  );

function answerWith(a: {
  kind: string;
  relay: boolean;
  tokens: Array<{ relay?: string; token: string }>;
  extra: Element[];
}) {
  return (request: Element) => {
    const { id, to } = request.attrs;
    const from = a.kind === 'spoof' ? 'mallory@localhost/x' : to;
    if (a.kind === 'error') return el('iq', { type: 'error', id, from, to: COMPONENT }, ...a.extra);
    const query = request.getChild('query');
    const payload = query
      ? el(
          'query',
          { xmlns: NS_DISCO_INFO },
          ...(a.relay ? [el('feature', { var: NS_RELAY })] : []),
        )
      : el(
          'tokens',
          { xmlns: NS_RELAY },
          ...a.tokens.map((t) => el('token', { relay: t.relay }, t.token)),
        );
    return el('iq', { type: 'result', id, from, to: COMPONENT }, payload, ...a.extra);
  };
}
