// The component collecting a user's whitelist tokens from their client (xep-draft/push-relay.xml,
// "The component collecting a client's tokens"): disco#info the full JID, then ask for tokens.
import { type Component, type Element, xml } from '@xmpp/component';
import type { Logger } from '../lib/log.js';
import type { Quotas } from '../relay/quotas.js';
import type { RelayService } from '../relay/service.js';
import { TOKEN_FORMAT } from '../relay/token-push.js';
import { type CollectedToken, type Store, targetRelay } from '../store/types.js';
import { bareJid, parseJid } from './jid.js';
import { NS_DISCO_INFO, NS_RELAY } from './ns.js';

const FRESH_MS = 7 * 86_400_000;
const TIMEOUT_MS = 10_000;

export interface TokenCollector {
  /** Asks the client at `fullJid` for tokens unless fresh ones are held; never throws. */
  collect(fullJid: string): Promise<void>;
}

/** Two full JIDs are the same entity (local part and domain compare without case). */
function sameJid(a: string | undefined, b: string): boolean {
  const x = a === undefined ? undefined : parseJid(a);
  const y = parseJid(b);
  return (
    x !== undefined &&
    y !== undefined &&
    x.resource === y.resource &&
    bareJid(x).toLowerCase() === bareJid(y).toLowerCase()
  );
}

export function createTokenCollector(o: {
  xmpp: Component;
  store: Store;
  service: RelayService;
  /** Collected tokens per user. */
  quotas: Quotas;
  /** Relay JID → relay name: this component is `local`, `[[relays]]` with a jid are theirs. */
  relaysByJid: ReadonlyMap<string, string>;
  log: Logger;
}): TokenCollector {
  /** Users being asked now → the client to ask next, when a new chance came meanwhile. */
  const inFlight = new Map<string, string | undefined>();

  /**
   * Asks the client `to`; an answer from anyone else (who guessed the IQ id) is refused, and the
   * round ends without storing anything.
   */
  async function ask(to: string, query: Element): Promise<Element> {
    const answer = await o.xmpp.iqCaller.request(xml('iq', { type: 'get', to }, query), TIMEOUT_MS);
    if (!sameJid(answer.attrs.from, to)) throw new Error('answer from another JID than asked');
    return answer;
  }

  /** This relay's tokens are kept by reference (and only when they work); others as they are. */
  async function targetOf(
    relay: string,
    token: string,
  ): Promise<CollectedToken['target'] | undefined> {
    if (relay !== 'local') return { kind: 'remote', relay, token };
    const record = await o.service.findToken(token);
    return record && { kind: 'token', token: record.id };
  }

  async function run(fullJid: string, jid: string): Promise<void> {
    const held = await o.store.collected.listByJid(jid);
    if (held.some((c) => Date.now() - c.createdAt < FRESH_MS)) return;
    const relays = new Set(held.map((c) => targetRelay(c.target)));
    const info = await ask(fullJid, xml('query', { xmlns: NS_DISCO_INFO }));
    const features =
      info
        .getChild('query')
        ?.getChildren('feature')
        .map((f) => f.attrs.var) ?? [];
    if (!features.includes(NS_RELAY)) return;
    const answer = await ask(fullJid, xml('tokens', { xmlns: NS_RELAY }));
    let stored = 0;
    let over = 0;
    for (const t of answer.getChild('tokens', NS_RELAY)?.getChildren('token') ?? []) {
      const token = t.getText().trim();
      // MUST ignore tokens of relays it is not configured for; never contacts a stanza's URL.
      const relay = o.relaysByJid.get(t.attrs.relay ?? '');
      if (!relay || !TOKEN_FORMAT.test(token)) continue;
      if (o.quotas.collected(relays, relay)) {
        over++;
        continue;
      }
      const target = await targetOf(relay, token.toLowerCase());
      if (!target) continue;
      await o.store.collected.put({ jid, target, createdAt: Date.now() });
      relays.add(relay);
      stored++;
    }
    o.log.info({ jid, stored, ...(over > 0 && { overQuota: over }) }, 'collected whitelist tokens');
  }

  /**
   * One round of asking per user at a time; a chance that comes during a round (presence from a
   * client that has just installed the protocol) is taken once the round is over.
   */
  async function collect(fullJid: string): Promise<void> {
    const j = parseJid(fullJid);
    if (!j?.local || !j.resource) return;
    const jid = bareJid(j);
    if (inFlight.has(jid)) {
      inFlight.set(jid, fullJid);
      return;
    }
    inFlight.set(jid, undefined);
    try {
      await run(fullJid, jid);
    } catch (err) {
      o.log.debug({ jid, reason: (err as Error).message }, 'could not collect tokens');
    } finally {
      const next = inFlight.get(jid);
      inFlight.delete(jid);
      if (next) await collect(next);
    }
  }

  return { collect };
}
