// Hostile stanzas for the component: every IQ payload it routes (XEP-0357 publishes, XEP-0050
// commands, XEP-0030 disco, the relay protocol) with wrong shapes, types, sizes and addresses,
// unknown payloads, and the messages, presences and IQ answers a peer may send.
import { type Element, xml } from '@xmpp/component';
import fc from 'fast-check';
import {
  NS_COMMANDS,
  NS_DATA,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_PUBLISH_OPTIONS,
  NS_PUBSUB,
  NS_PUSH,
  NS_PUSH_ENCRYPTED,
  NS_PUSH_JINGLE,
  NS_PUSH_SUMMARY,
  NS_RELAY,
} from '../../component/ns.js';
import {
  ADMIN,
  APNS_TOKEN,
  COMPONENT,
  FCM_TOKEN,
  type Seed,
  TIGASE_PROVIDER,
  USER,
} from './stanza-world.js';

type Attrs = Record<string, string | undefined>;
type Child = Element | string;

/** An element as the stream parser builds it: string attributes only, none undefined. */
export function el(name: string, attrs: Attrs, ...children: Child[]): Element {
  const defined = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
  return xml(name, defined, ...children);
}

const opt = <T>(a: fc.Arbitrary<T>, freq = 3) => fc.option(a, { nil: undefined, freq });

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

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });

export const COMMAND_NODES = [
  'register-push-apns',
  'register-push-fcm',
  'register-push-relay',
  'unregister-push-apns',
  'unregister-push-fcm',
  'unregister-push-relay',
  'register-device',
  'unregister-device',
  'create-token',
  'explain',
  'test-push',
  'admin-list-registrations',
  'admin-remove-registrations',
  'admin-status',
];

const FIELD_VARS = [
  'FORM_TYPE',
  'token',
  'device-id',
  'android-id',
  'muc',
  'app',
  'environment',
  'relay',
  'provider',
  'device-token',
  'device-second-token',
  'name',
  'jid',
  'secret',
  'endpoint',
  'pushModule',
  'message-count',
  'last-message-sender',
  'last-message-body',
];

const NAMESPACES = [
  NS_COMMANDS,
  NS_DATA,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_PUBLISH_OPTIONS,
  NS_PUBSUB,
  NS_PUSH,
  NS_PUSH_SUMMARY,
  NS_RELAY,
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

/** Values for form fields: the seeded credentials, valid-looking tokens, and anything else. */
function value(seed: Seed): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        seed.secret,
        seed.token,
        seed.node,
        seed.tigaseNode,
        APNS_TOKEN,
        FCM_TOKEN,
        'production',
        'sandbox',
        'local',
        'other',
        'apns',
        'fcm',
        'siskin',
        'monal',
        TIGASE_PROVIDER,
        'monalProdiOS',
        'monalProdiOS-sandbox',
        NS_PUBLISH_OPTIONS,
        NS_PUSH_SUMMARY,
        'romeo@localhost',
        'room@conference.localhost',
        seed.remoteEndpoint,
        seed.remoteToken,
        'phone',
      ),
    },
    { weight: 2, arbitrary: hex(0, 200) },
    { weight: 3, arbitrary: text },
    { weight: 1, arbitrary: jid },
  );
}

/** A XEP-0004 form: right or wrong namespace, type and FORM_TYPE; fields of any shape. */
function form(seed: Seed, formTypes: string[]): fc.Arbitrary<Element> {
  const field = fc
    .record({
      var: opt(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELD_VARS) }, text), 8),
      type: opt(fc.constantFrom('text-single', 'list-single', 'hidden', 'boolean', 'x'), 2),
      values: fc.array(value(seed), { maxLength: 3 }),
      junk: fc.array(fc.constantFrom(el('option', {}), el('required', {}), 'text'), {
        maxLength: 1,
      }),
    })
    .map((f) =>
      el(
        'field',
        { var: f.var, type: f.type },
        ...f.values.map((v) => el('value', {}, v)),
        ...f.junk,
      ),
    );
  return fc
    .record({
      ns: fc.oneof({ weight: 8, arbitrary: fc.constant(NS_DATA) }, fc.constantFrom(...NAMESPACES)),
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constant('submit') },
        fc.constantFrom('form', 'result', 'cancel', undefined, 'SUBMIT'),
      ),
      formType: opt(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...formTypes) }, text), 6),
      fields: fc.array(field, { maxLength: 5 }),
    })
    .map((f) =>
      el(
        'x',
        { xmlns: f.ns, type: f.type },
        ...(f.formType === undefined
          ? []
          : [el('field', { var: 'FORM_TYPE', type: 'hidden' }, el('value', {}, f.formType))]),
        ...f.fields,
      ),
    );
}

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

/** XEP-0357 §5/§6 publishes: every part present, missing, misnamed or wrong. */
function publish(seed: Seed): fc.Arbitrary<Element> {
  const node = opt(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(seed.node, seed.tigaseNode, APNS_TOKEN, FCM_TOKEN) },
      text,
    ),
    10,
  );
  const content = fc.oneof(
    form(seed, [NS_PUSH_SUMMARY]),
    fc
      .record({
        type: opt(fc.constantFrom('voip', 'chat', 'x')),
        attrs: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), text, { maxKeys: 2 }),
        payload: text,
      })
      .map((e) =>
        el('encrypted', { ...e.attrs, xmlns: NS_PUSH_ENCRYPTED, type: e.type }, e.payload),
      ),
    fc
      .record({ sid: opt(text), media: fc.array(text, { maxLength: 6 }) })
      .map((j) =>
        el(
          'jingle',
          { xmlns: NS_PUSH_JINGLE, sid: j.sid },
          ...j.media.map((m) => el('media', {}, m)),
        ),
      ),
    junk,
  );
  const notification = fc
    .record({
      ns: fc.oneof({ weight: 6, arbitrary: fc.constant(NS_PUSH) }, fc.constantFrom(...NAMESPACES)),
      content: fc.array(content, { maxLength: 2 }),
    })
    .map((n) => el('notification', { xmlns: n.ns }, ...n.content));
  const item = fc
    .record({
      id: opt(text),
      notification: opt(notification, 8),
      extra: fc.array(junk, { maxLength: 1 }),
    })
    .map((i) => el('item', { id: i.id }, ...(i.notification ? [i.notification] : []), ...i.extra));
  return fc
    .record({
      ns: fc.oneof(
        { weight: 8, arbitrary: fc.constant(NS_PUBSUB) },
        fc.constantFrom(...NAMESPACES),
      ),
      node,
      items: fc.oneof(
        { weight: 6, arbitrary: item.map((i) => [i]) },
        fc.array(item, { maxLength: 2 }),
      ),
      options: opt(fc.oneof(form(seed, [NS_PUBLISH_OPTIONS]), publishOptions(seed)), 6),
      extra: fc.array(junk, { maxLength: 1 }),
    })
    .map((p) =>
      el(
        'pubsub',
        { xmlns: p.ns },
        el('publish', { node: p.node }, ...p.items),
        ...(p.options ? [el('publish-options', {}, p.options)] : []),
        ...p.extra,
      ),
    );
}

/**
 * Publish-options as each client family's server writes them (a registration's secret; a
 * ChatSecure token and endpoint; a Monal pushModule), with right and wrong values.
 */
function publishOptions(seed: Seed): fc.Arbitrary<Element> {
  const field = (name: string, values: fc.Arbitrary<string>) =>
    opt(values.map((v) => el('field', { var: name }, el('value', {}, v))));
  return fc
    .record({
      formType: opt(fc.constantFrom(NS_PUBLISH_OPTIONS, NS_PUSH_SUMMARY), 8),
      secret: field('secret', fc.oneof(fc.constant(seed.secret), hex(40, 40), text)),
      token: field(
        'token',
        fc.oneof(fc.constantFrom(seed.token, seed.remoteToken), hex(40, 40), text),
      ),
      endpoint: field(
        'endpoint',
        fc.oneof(
          fc.constantFrom(seed.remoteEndpoint, 'https://push.example.org/api/v1/messages/'),
          text,
        ),
      ),
      pushModule: field(
        'pushModule',
        fc.oneof(fc.constantFrom('monalProdiOS', 'monalProdiOS-sandbox', 'apns', 'siskin'), text),
      ),
    })
    .map(({ formType, ...fields }) =>
      el(
        'x',
        { xmlns: NS_DATA, type: 'submit' },
        ...(formType === undefined
          ? []
          : [el('field', { var: 'FORM_TYPE', type: 'hidden' }, el('value', {}, formType))]),
        ...Object.values(fields).filter((f): f is Element => f !== undefined),
      ),
    );
}

/** XEP-0050 commands: every node this component offers (and others), any action and session. */
function command(seed: Seed, sessions: () => string[]): fc.Arbitrary<Element> {
  return fc
    .record({
      ns: fc.oneof(
        { weight: 8, arbitrary: fc.constant(NS_COMMANDS) },
        fc.constantFrom(...NAMESPACES),
      ),
      node: opt(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...COMMAND_NODES) }, text), 10),
      action: opt(fc.constantFrom('execute', 'complete', 'next', 'cancel', 'prev', 'bogus'), 2),
      session: opt(
        fc.oneof(
          fc.nat().map((i) => ({ known: i })),
          text.map((t) => ({ id: t })),
        ),
        2,
      ),
      forms: fc.array(form(seed, ['urn:example:form', NS_PUBLISH_OPTIONS]), { maxLength: 2 }),
    })
    .map((c) => {
      const known = sessions();
      const sessionid =
        c.session === undefined
          ? undefined
          : 'id' in c.session
            ? c.session.id
            : known[known.length - 1 - (c.session.known % Math.max(known.length, 1))];
      return el('command', { xmlns: c.ns, node: c.node, action: c.action, sessionid }, ...c.forms);
    });
}

/** XEP-0030 queries for the component and its command nodes. */
const disco: fc.Arbitrary<Element> = fc
  .record({
    ns: fc.constantFrom(NS_DISCO_INFO, NS_DISCO_ITEMS),
    node: opt(fc.oneof(fc.constantFrom(...COMMAND_NODES, NS_COMMANDS), text)),
    extra: fc.array(junk, { maxLength: 1 }),
  })
  .map((q) => el('query', { xmlns: q.ns, node: q.node }, ...q.extra));

/** The relay protocol's issue, push, revoke and list (xep-draft/push-relay.xml). */
function relayProtocol(seed: Seed): fc.Arbitrary<Element> {
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
