// Hostile XEP-0357 publishes (see stanza-arbitraries.ts): every part present, missing,
// misnamed or wrong, with each client family's publish-options.
import type { Element } from '@xmpp/component';
import fc from 'fast-check';
import {
  NS_DATA,
  NS_PUBLISH_OPTIONS,
  NS_PUBSUB,
  NS_PUSH,
  NS_PUSH_ENCRYPTED,
  NS_PUSH_JINGLE,
  NS_PUSH_SUMMARY,
} from '../../component/ns.js';
import { el, hex, junk, NAMESPACES, opt, text } from './stanza-basics.js';
import { form } from './stanza-forms.js';
import { APNS_TOKEN, FCM_TOKEN, type Seed } from './stanza-world.js';

/** XEP-0357 §5/§6 publishes: every part present, missing, misnamed or wrong. */
export function publish(seed: Seed): fc.Arbitrary<Element> {
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
