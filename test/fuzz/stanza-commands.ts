// Hostile XEP-0050 commands and XEP-0030 queries (see stanza-arbitraries.ts).
import type { Element } from '@xmpp/component';
import fc from 'fast-check';
import {
  NS_COMMANDS,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_PUBLISH_OPTIONS,
} from '../../component/ns.js';
import { el, junk, NAMESPACES, opt, text } from './stanza-basics.js';
import { form } from './stanza-forms.js';
import type { Seed } from './stanza-world.js';

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

/** XEP-0050 commands: every node this component offers (and others), any action and session. */
export function command(seed: Seed, sessions: () => string[]): fc.Arbitrary<Element> {
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
export const disco: fc.Arbitrary<Element> = fc
  .record({
    ns: fc.constantFrom(NS_DISCO_INFO, NS_DISCO_ITEMS),
    node: opt(fc.oneof(fc.constantFrom(...COMMAND_NODES, NS_COMMANDS), text)),
    extra: fc.array(junk, { maxLength: 1 }),
  })
  .map((q) => el('query', { xmlns: q.ns, node: q.node }, ...q.extra));
