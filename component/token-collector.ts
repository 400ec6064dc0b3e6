// The component collecting a user's whitelist tokens from their client (xep-draft/push-relay.xml,
// "The component collecting a client's tokens"): disco#info the full JID, then ask for tokens.
import { randomBytes } from 'node:crypto';
import { type Component, type Element, xml } from '@xmpp/component';
import type { Logger } from '../app/log.js';
import { hashSecret } from '../lib/secrets.js';
import type { Registration, Store } from '../store/types.js';
import { bareJid, parseJid } from './jid.js';
import { NS_DISCO_INFO, NS_RELAY } from './ns.js';

/** Registrations holding collected tokens carry this device-id prefix; they have no usable secret. */
export const COLLECTED = 'collected:';
const FRESH_MS = 7 * 86_400_000;
const TIMEOUT_MS = 10_000;
const TOKEN = /^[0-9a-f]{40}$/i;

export const isCollected = (r: Registration) => r.deviceId.startsWith(COLLECTED);

export interface TokenCollector {
  /** Asks the client at `fullJid` for tokens unless fresh ones are held; never throws. */
  collect(fullJid: string): Promise<void>;
}

export function createTokenCollector(o: {
  xmpp: Component;
  store: Store;
  /** Relay JID → relay name: this component is `local`, `[[relays]]` with a jid are theirs. */
  relaysByJid: ReadonlyMap<string, string>;
  log: Logger;
}): TokenCollector {
  const inFlight = new Set<string>();

  async function ask(to: string, query: Element): Promise<Element> {
    return o.xmpp.iqCaller.request(xml('iq', { type: 'get', to }, query), TIMEOUT_MS);
  }

  async function fresh(jid: string): Promise<boolean> {
    const held = (await o.store.registrations.listByJid(jid)).filter(isCollected);
    return held.some((r) => Date.now() - r.createdAt < FRESH_MS);
  }

  async function run(fullJid: string, jid: string): Promise<void> {
    if (await fresh(jid)) return;
    const info = await ask(fullJid, xml('query', { xmlns: NS_DISCO_INFO }));
    const features =
      info
        .getChild('query')
        ?.getChildren('feature')
        .map((f) => f.attrs.var) ?? [];
    if (!features.includes(NS_RELAY)) return;
    const answer = await ask(fullJid, xml('tokens', { xmlns: NS_RELAY }));
    let stored = 0;
    for (const t of answer.getChild('tokens', NS_RELAY)?.getChildren('token') ?? []) {
      const token = t.getText().trim();
      // MUST ignore tokens of relays it is not configured for; never contacts a stanza's URL.
      const relay = o.relaysByJid.get(t.attrs.relay ?? '');
      if (!relay || !TOKEN.test(token)) continue;
      await o.store.registrations.put({
        node: randomBytes(16).toString('base64url'),
        secretHash: hashSecret(randomBytes(20).toString('hex')),
        jid,
        provider: 'relay',
        deviceId: `${COLLECTED}${relay}`,
        relay,
        token: token.toLowerCase(),
        createdAt: Date.now(),
      });
      stored++;
    }
    o.log.info({ jid, stored }, 'collected whitelist tokens');
  }

  return {
    async collect(fullJid) {
      const j = parseJid(fullJid);
      if (!j?.local || !j.resource) return;
      const jid = bareJid(j);
      if (inFlight.has(jid)) return;
      inFlight.add(jid);
      try {
        await run(fullJid, jid);
      } catch (err) {
        o.log.debug({ jid, reason: (err as Error).message }, 'could not collect tokens');
      } finally {
        inFlight.delete(jid);
      }
    },
  };
}
