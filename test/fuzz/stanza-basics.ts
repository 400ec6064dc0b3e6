// Building blocks of hostile stanzas for the component (see stanza-arbitraries.ts): elements
// as the stream parser builds them, text of any size, addresses, namespaces and junk elements.
import { type Element, xml } from '@xmpp/component';
import fc from 'fast-check';
import * as ns from '../../component/ns.js';
import { ADMIN, COMPONENT, USER } from './stanza-world.js';

type Attrs = Record<string, string | undefined>;
type Child = Element | string;

/** An element as the stream parser builds it: string attributes only, none undefined. */
export function el(name: string, attrs: Attrs, ...children: Child[]): Element {
  const defined = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
  return xml(name, defined, ...children);
}

export const opt = <T>(a: fc.Arbitrary<T>, freq = 3) => fc.option(a, { nil: undefined, freq });

/**
 * Text a stream can carry: any Unicode, short; sometimes over the fields' limits, and rarely
 * (most stanzas should get past the size check to the handlers) over the stanza size limit.
 */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 40, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 20, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  {
    weight: 10,
    arbitrary: fc.constantFrom('', ' ', '0', '-1', '1e400', 'NaN', 'true', '<x/>', '&amp;'),
  },
  { weight: 5, arbitrary: fc.integer({ min: 100, max: 2000 }).map((n) => 'é'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 65_000, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

export const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });

/** Every namespace the component speaks (component/ns.ts), and some it does not. */
export const NAMESPACES = [
  ...Object.values(ns),
  'jabber:client',
  'urn:xmpp:ping',
  'jabber:iq:version',
  'urn:example:unknown:0',
];

/** Addresses: the seeded user, its server, an admin, strangers, and broken or oversized ones. */
export const jid: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      USER,
      'localhost',
      ADMIN,
      'romeo@localhost',
      'ROMEO@LocalHost/phone',
      'juliet@capulet.lit/balcony',
      'capulet.lit',
      'room@conference.localhost/nick',
      COMPONENT,
      'relay.example.org',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(opt(text), text, opt(text))
      .map(([l, d, r]) => `${l === undefined ? '' : `${l}@`}${d}${r === undefined ? '' : `/${r}`}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '@',
      'a@',
      '@localhost',
      '/phone',
      'romeo@localhost/',
      'romeo@/phone',
      'a b@localhost',
      `${'x'.repeat(1100)}@localhost/phone`,
      `romeo@${'d'.repeat(3100)}`,
    ),
  },
);

/** An element of any name and namespace, with `children`. */
const anyElement = (children: fc.Arbitrary<Child[]>) =>
  fc
    .record({
      name: fc.oneof(
        fc.constantFrom('query', 'command', 'pubsub', 'x', 'item', 'publish', 'error', 'ping'),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
      ),
      ns: opt(fc.constantFrom(...NAMESPACES)),
      attrs: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), text, { maxKeys: 3 }),
      children,
    })
    .map((e) => el(e.name, { ...e.attrs, xmlns: e.ns }, ...e.children));

/** Elements of any name and namespace, two levels deep at most. */
export const junk: fc.Arbitrary<Element> = anyElement(
  fc.array(fc.oneof({ weight: 2, arbitrary: text }, anyElement(fc.array(text, { maxLength: 1 }))), {
    maxLength: 2,
  }),
);
