// XEP-0004 data forms for the hostile stanzas (see stanza-arbitraries.ts): right or wrong
// namespace, type and FORM_TYPE, fields of any shape with the seeded values and anything else.
import type { Element } from '@xmpp/component';
import fc from 'fast-check';
import { NS_DATA, NS_PUBLISH_OPTIONS, NS_PUSH_SUMMARY } from '../../component/ns.js';
import { el, hex, jid, NAMESPACES, opt, text } from './stanza-basics.js';
import { APNS_TOKEN, FCM_TOKEN, type Seed, TIGASE_PROVIDER } from './stanza-world.js';

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
export function form(seed: Seed, formTypes: string[]): fc.Arbitrary<Element> {
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
