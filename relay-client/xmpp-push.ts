// Pushing a contact through their tokens in turn: drop the dead ones, stop on the relay's trouble.
import { type Client, xml } from '@xmpp/client';
import { createRelayClient, type RelayClientOptions } from './client.js';
import { RelayClientError, RelayNotFoundError } from './errors.js';
import type { Priority } from './types.js';
import { fromIqError, isTransient, RelayStanzaError } from './xmpp-errors.js';
import { isApiUrl, isTokenValue, NS_RELAY, type Token } from './xmpp-tokens.js';

const MAX_DATA = 100;

export interface PushMessage {
  /** At most 100 characters. Leave message content out: the relay and APNs/FCM see it. */
  data?: string;
  priority?: Priority;
  /** `http`: through a token's `api` when it has one, else over XMPP. Default `xmpp`. */
  via?: 'xmpp' | 'http';
}

export interface PushResult {
  /** A relay took the push. */
  pushed: boolean;
  /** The tokens given, in order, less those known to be dead: keep these for next time. */
  remaining: Token[];
  /** When nothing was pushed: the error that stopped the round (`wait`, timeout) or the last one. */
  error?: RelayClientError;
}

type Attempt = 'pushed' | 'gone' | RelayClientError;

export interface PushDeps {
  xmpp: Client;
  timeoutMs: number;
  http?: Omit<RelayClientOptions, 'baseUrl' | 'apiKey'>;
}

/**
 * Tries `tokens` in order until a relay takes the push. `item-not-found` (HTTP 404) drops the token
 * and goes on; a transient failure (`wait`, 429, 5xx, timeout, no connection) stops and keeps every
 * token; any other error keeps the token and goes on. Malformed tokens are dropped unsent.
 */
export async function pushTokens(
  d: PushDeps,
  tokens: readonly Token[],
  m: PushMessage = {},
): Promise<PushResult> {
  if (m.data !== undefined && m.data.length > MAX_DATA) {
    throw new RelayClientError(`data is longer than ${MAX_DATA} characters`);
  }
  if (m.priority !== undefined && m.priority !== 'high' && m.priority !== 'low') {
    throw new RelayClientError('priority must be high or low');
  }
  const remaining = tokens.filter((t) => isTokenValue(t.token));
  let error: RelayClientError | undefined;
  for (const t of [...remaining]) {
    const http = m.via === 'http' && t.api !== undefined && isApiUrl(t.api);
    const outcome = http ? await overHttp(d, t, m) : await overXmpp(d, t, m);
    if (outcome === 'pushed') return { pushed: true, remaining };
    if (outcome === 'gone') {
      remaining.splice(remaining.indexOf(t), 1);
      continue;
    }
    error = outcome;
    if (isTransient(outcome)) break;
  }
  return { pushed: false, remaining, ...(error ? { error } : {}) };
}

async function overXmpp(d: PushDeps, t: Token, m: PushMessage): Promise<Attempt> {
  const push = xml('push', { xmlns: NS_RELAY, token: t.token, priority: m.priority });
  if (m.data !== undefined) push.append(xml('data', {}, m.data));
  try {
    await d.xmpp.iqCaller.request(xml('iq', { type: 'set', to: t.relay }, push), d.timeoutMs);
    return 'pushed';
  } catch (err) {
    const e = fromIqError(`push to ${t.relay}`, err, d.timeoutMs);
    return e instanceof RelayStanzaError && e.condition === 'item-not-found' ? 'gone' : e;
  }
}

async function overHttp(d: PushDeps, t: Token, m: PushMessage): Promise<Attempt> {
  try {
    const relay = createRelayClient({ timeoutMs: d.timeoutMs, ...d.http, baseUrl: t.api ?? '' });
    await relay.sendMessage({ token: t.token, data: m.data, priority: m.priority });
    return 'pushed';
  } catch (err) {
    if (err instanceof RelayNotFoundError) return 'gone';
    if (err instanceof RelayClientError) return err;
    throw err;
  }
}
