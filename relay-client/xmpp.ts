// The relay protocol (urn:xmpp:push-relay:0) on an @xmpp/client client: get, give, use and revoke.
import { type Client, xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';
import type { RelayClientOptions } from './client.js';
import { fromIqError, RelayStanzaError } from './xmpp-errors.js';
import { type PushMessage, type PushResult, pushTokens } from './xmpp-push.js';
import { NS_RELAY, parseTokens, type Token, tokensElement } from './xmpp-tokens.js';

const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_ROSTER = 'jabber:iq:roster';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const DAY_MS = 86_400_000;

export interface PushRelayOptions {
  /** JID of the user's own relay component, e.g. `push.example.org`. */
  relay: string;
  /**
   * Whether `from` (a full or bare JID) may have this user's tokens. Default: the own relay
   * component, and the contacts whose roster subscription is `from` or `both` (the draft's rule).
   */
  trust?: (from: string) => boolean | Promise<boolean>;
  /** The disco#info identity; default client/phone. */
  identity?: { category: string; type: string; name?: string };
  /** More disco#info features of this client: the plugin answers disco#info for the client. */
  extraFeatures?: string[];
  /** Per IQ and per HTTP attempt; default 10 000. */
  timeoutMs?: number;
  /** For pushes `via: 'http'`: fetch, retries, user agent. */
  http?: Omit<RelayClientOptions, 'baseUrl' | 'apiKey'>;
}

export interface PushRelayClient {
  /** Asks the own relay for a token for this user's devices; item-not-found: no device registered. */
  issue(name?: string): Promise<Token[]>;
  /** Whether the client at `fullJid` advertises urn:xmpp:push-relay:0. */
  supports(fullJid: string): Promise<boolean>;
  /** A contact's tokens: [] when their client lacks the feature or has none; throws on forbidden. */
  requestTokens(fullJid: string): Promise<Token[]>;
  /** Pushes through the first token a relay takes; see PushResult for what to keep. */
  push(tokens: readonly Token[], m?: PushMessage): Promise<PushResult>;
  /** Revokes a token this user was issued, by the token or by its id from list(); at once. */
  revoke(token: Token | string | { id: string }): Promise<void>;
  /** The tokens this user was issued by the own relay: ids and names, not the tokens. */
  list(): Promise<IssuedToken[]>;
}

/** One of the user's tokens as the relay lists it (it keeps no token, only its hash). */
export interface IssuedToken {
  id: string;
  /** Whom it was issued for: the bare JID of the requester this client gave it to. */
  name: string;
  created?: string;
  expires?: string;
}

export type { PushMessage, PushResult, Token };
export { NS_RELAY, RelayStanzaError };

const stanzaError = (type: string, condition: string) =>
  xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));

/**
 * Installs the protocol on `xmpp`: sends directed presence to `relay` after each login, answers
 * disco#info (identity and features) and token requests
 * from trusted JIDs, each requester (bare JID) with a token of its own issued by `relay` under
 * its name, reused until a day before it expires; revoking one cuts off that requester alone.
 */
export function pushRelay(xmpp: Client, o: PushRelayOptions): PushRelayClient {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const identity = o.identity ?? { category: 'client', type: 'phone' };
  const features = [...new Set([NS_DISCO_INFO, NS_RELAY, ...(o.extraFeatures ?? [])])];
  /** Per requester's bare JID: the tokens handed to it, and when to ask for new ones. */
  const held = new Map<string, { tokens: Token[]; renewAt: number }>();
  const issuing = new Map<string, Promise<Token[]>>();

  async function request(what: string, iq: Element): Promise<Element> {
    try {
      return await xmpp.iqCaller.request(iq, timeoutMs);
    } catch (err) {
      throw fromIqError(`${what} to ${iq.attrs.to}`, err, timeoutMs);
    }
  }

  async function issue(name?: string): Promise<Token[]> {
    const iq = xml('iq', { type: 'set', to: o.relay }, xml('issue', { xmlns: NS_RELAY, name }));
    return parseTokens((await request('issue', iq)).getChild('tokens', NS_RELAY), o.relay);
  }

  /** The tokens to hand `requester` (a bare JID), issued for it on first use and renewed early. */
  async function own(requester: string): Promise<Token[]> {
    const mine = held.get(requester);
    if (mine && Date.now() < mine.renewAt) return mine.tokens;
    let pending = issuing.get(requester);
    if (!pending) {
      pending = issue(requester)
        .then((tokens) => {
          if (tokens.length > 0) held.set(requester, { tokens, renewAt: renewAt(tokens) });
          else held.delete(requester);
          return tokens;
        })
        .finally(() => issuing.delete(requester));
      issuing.set(requester, pending);
    }
    return pending;
  }

  /** The draft's trusted requesters: the own relay, contacts that may see the user's presence. */
  async function trustedByRoster(from: string): Promise<boolean> {
    const bare = from.split('/')[0] ?? from;
    if (bare === o.relay) return true;
    const iq = xml('iq', { type: 'get' }, xml('query', { xmlns: NS_ROSTER }));
    const roster = (await request('roster', iq)).getChild('query', NS_ROSTER);
    const item = roster?.getChildren('item').find((i) => i.attrs.jid === bare);
    return item?.attrs.subscription === 'from' || item?.attrs.subscription === 'both';
  }

  async function answerTokens(from: string): Promise<Element> {
    const trust = o.trust ?? trustedByRoster;
    const trusted = await Promise.resolve(trust(from)).catch(() => false);
    if (!trusted) return stanzaError('auth', 'forbidden');
    try {
      const tokens = await own(from.split('/')[0] ?? from);
      return tokens.length > 0 ? tokensElement(tokens) : stanzaError('cancel', 'item-not-found');
    } catch (err) {
      const notFound = err instanceof RelayStanzaError && err.condition === 'item-not-found';
      return notFound
        ? stanzaError('cancel', 'item-not-found')
        : stanzaError('wait', 'internal-server-error');
    }
  }

  // Directed presence after each login lets the relay component collect this user's tokens
  // (the component itself decides whether it needs them).
  const greetRelay = () => void xmpp.send(xml('presence', { to: o.relay })).catch(() => undefined);
  xmpp.on('online', greetRelay);
  if (xmpp.status === 'online') greetRelay();

  xmpp.iqCallee.get(NS_DISCO_INFO, 'query', (ctx: IqContext) => {
    if (ctx.element.attrs.node) return stanzaError('cancel', 'item-not-found');
    return xml(
      'query',
      { xmlns: NS_DISCO_INFO },
      xml('identity', identity),
      ...features.map((f) => xml('feature', { var: f })),
    );
  });
  xmpp.iqCallee.get(NS_RELAY, 'tokens', (ctx: IqContext) => {
    // No `from`: the user's own account (RFC 6120 §8.1.2.1).
    const from = ctx.stanza.attrs.from ?? xmpp.jid?.bare().toString() ?? '';
    return answerTokens(from);
  });

  async function supports(fullJid: string): Promise<boolean> {
    const iq = xml('iq', { type: 'get', to: fullJid }, xml('query', { xmlns: NS_DISCO_INFO }));
    try {
      const query = (await request('disco#info', iq)).getChild('query', NS_DISCO_INFO);
      return (query?.getChildren('feature') ?? []).some((f) => f.attrs.var === NS_RELAY);
    } catch (err) {
      if (err instanceof RelayStanzaError) return false;
      throw err;
    }
  }

  async function requestTokens(fullJid: string): Promise<Token[]> {
    if (!(await supports(fullJid))) return [];
    const iq = xml('iq', { type: 'get', to: fullJid }, xml('tokens', { xmlns: NS_RELAY }));
    try {
      return parseTokens((await request('tokens', iq)).getChild('tokens', NS_RELAY));
    } catch (err) {
      if (err instanceof RelayStanzaError && err.condition === 'item-not-found') return [];
      throw err;
    }
  }

  async function revoke(token: Token | string | { id: string }): Promise<void> {
    const t =
      typeof token === 'string' ? { token, relay: o.relay } : 'id' in token ? undefined : token;
    const attrs = t ? { token: t.token } : { id: (token as { id: string }).id };
    const iq = xml(
      'iq',
      { type: 'set', to: t?.relay ?? o.relay },
      xml('revoke', { xmlns: NS_RELAY, ...attrs }),
    );
    try {
      await request('revoke', iq);
    } catch (err) {
      // item-not-found: revoked already, or never this user's; either way not to hand out.
      if (err instanceof RelayStanzaError && err.condition === 'item-not-found') forget(t?.token);
      throw err;
    }
    // By id the token itself is unknown here: forget every held token, to be issued anew.
    if (t) forget(t.token);
    else held.clear();
  }

  /** Stops handing out a token that no longer works. */
  function forget(token: string | undefined): void {
    if (token === undefined) return;
    for (const [requester, h] of held) {
      const tokens = h.tokens.filter((x) => x.token !== token.toLowerCase());
      if (tokens.length > 0) held.set(requester, { ...h, tokens });
      else held.delete(requester);
    }
  }

  async function list(): Promise<IssuedToken[]> {
    const iq = xml('iq', { type: 'get', to: o.relay }, xml('list', { xmlns: NS_RELAY }));
    const answer = (await request('list', iq)).getChild('list', NS_RELAY);
    return (answer?.getChildren('issued') ?? []).map((e) => ({
      id: e.attrs.id ?? '',
      name: e.attrs.name ?? '',
      created: e.attrs.created,
      expires: e.attrs.expires,
    }));
  }

  return {
    issue,
    supports,
    requestTokens,
    push: (tokens, m) => pushTokens({ xmpp, timeoutMs, http: o.http }, tokens, m),
    revoke,
    list,
  };
}

interface IqContext {
  stanza: Element;
  element: Element;
}

/** A day before the first expiry, or half-way for tokens that live less than two days. */
function renewAt(tokens: Token[], now = Date.now()): number {
  const expiries = tokens.flatMap((t) => (t.expires ? [Date.parse(t.expires)] : []));
  if (expiries.length === 0) return Number.POSITIVE_INFINITY;
  const first = Math.min(...expiries);
  return first - Math.min(DAY_MS, (first - now) / 2);
}
