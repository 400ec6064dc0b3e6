// Shared by the component's unit tests: real stanzas through real handlers over an in-memory store.
import { createRequire } from 'node:module';
import type { Element } from '@xmpp/component';
import { createLogger } from '../lib/log.js';
import { createRelay, type Relay, type RelayOptions } from '../relay/relay.js';
import { testApps } from '../relay/test-kit.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { type IqRoute, runRoute } from './iq-router.js';
import { publishRoute } from './publish.js';
import { createRegistrar, type RegisterInput } from './registrar.js';
import { StanzaError } from './stanza-error.js';

const parseXml = createRequire(import.meta.url)('ltx').parse as (s: string) => Element;

export const log = createLogger('silent');

export function parse(xml: string): Element {
  return parseXml(xml);
}

/** The relay over an in-memory store, as the process wires it. */
export function memoryKit(
  o: Partial<Pick<RelayOptions, 'limits' | 'remotes' | 'apps' | 'quotas'>> = {},
): Relay & { store: Store } {
  return relayOver(openSqliteStore(':memory:'), o);
}

/** The relay over `store`, as the process wires it, with generous limits unless given. */
export function relayOver(
  store: Store,
  o: Partial<Pick<RelayOptions, 'limits' | 'remotes' | 'apps' | 'quotas'>> = {},
): Relay & { store: Store } {
  const relay = createRelay({
    store,
    apps: o.apps ?? testApps(),
    tokenTtlMs: 86_400_000,
    ratePerMinute: 60_000,
    limits: o.limits ?? {
      perTokenPerMinute: 1000,
      perAccountPerMinute: 1000,
      missesPerMinute: 1000,
    },
    remotes: o.remotes ?? [],
    quotas: o.quotas,
    onEnqueued: () => undefined,
    log,
  });
  return { store, ...relay };
}

/** A registrar over the kit, whose register() fails the test on a refusal. */
export function registrarOf(kit: ReturnType<typeof memoryKit>) {
  const registrar = createRegistrar({ ...kit, log });
  return {
    ...registrar,
    async register(input: RegisterInput) {
      const r = await registrar.register(input);
      if ('refused' in r) throw new Error(`registration refused: ${r.refused}`);
      if ('over' in r) throw new Error(`registration over quota: ${r.over}`);
      return { node: r.node, secret: r.secret ?? '' };
    },
  };
}

/** What is queued, each job's payload with its priority, as the delivery worker reads it. */
export async function queued(store: Store) {
  const jobs = await store.queue.claim(100, Date.now() + 1e9, Date.now() + 2e9);
  return jobs.map((j) => ({ ...JSON.parse(j.payload), priority: j.priority }));
}

/** A XEP-0357 publish to `node` with `secret` in its publish-options, `inner` in the notification. */
export function publishXml(node: string, secret: string, inner = ''): string {
  return `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${node}'><item>
      <notification xmlns='urn:xmpp:push:0'>${inner}</notification></item></publish>
    <publish-options><x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
      <field var='secret'><value>${secret}</value></field></x></publish-options></pubsub>`;
}

/** The publish route over a kit, sending no content (the defaults of [push]). */
export function publishOver(
  kit: Pick<Relay, 'targets' | 'service' | 'tokenPush' | 'limits' | 'remoteUrls'> & {
    store: Store;
  },
) {
  return publishRoute({
    store: kit.store,
    targets: kit.targets,
    service: kit.service,
    tokenPush: kit.tokenPush,
    perToken: kit.limits.perToken,
    remotes: kit.remoteUrls,
    push: { includeSender: false, includeBody: false, priority: 'high' },
    log,
  });
}

/** Sends `payload` (the IQ's child) from `from` through `route`, as the IQ router would. */
export async function call(route: IqRoute, from: string, payload: string, maxStanzaBytes = 65536) {
  const element = parse(payload);
  const stanza = parse(`<iq type='${route.type}' from='${from}' to='push.localhost' id='1'/>`);
  stanza.append(element);
  const reply = await runRoute(route, stanza, element, { log, maxStanzaBytes });
  return reply instanceof StanzaError
    ? { error: reply.condition, type: reply.type, text: reply.text }
    : { result: reply };
}
