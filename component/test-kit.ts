// Shared by the component's unit tests: real stanzas through real handlers over an in-memory store.
import { createRequire } from 'node:module';
import type { Element } from '@xmpp/component';
import { createLogger } from '../app/log.js';
import { createLocalRelay } from '../relay/local-relay.js';
import type { Relay } from '../relay/relay.js';
import { createRelayService } from '../relay/service.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { type IqRoute, runRoute } from './iq-router.js';
import { StanzaError } from './stanza-error.js';

const parseXml = createRequire(import.meta.url)('ltx').parse as (s: string) => Element;

export const log = createLogger('silent');

export function parse(xml: string): Element {
  return parseXml(xml);
}

export function memoryKit(): { store: Store; relay: Relay } {
  const store = openSqliteStore(':memory:');
  const relay = createLocalRelay(
    createRelayService({
      store,
      providers: ['apns', 'fcm'],
      tokenTtlMs: 86_400_000,
      ratePerMinute: 60_000,
      onEnqueued: () => undefined,
    }),
  );
  return { store, relay };
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
