// "Push with this whitelist token": the one place that decides it, for the HTTP API
// (POST /api/v1/messages/) and the relay protocol's <push/> over XMPP alike.
import type { Limiter, TokenRecord } from '../store/types.js';
import type { Notification } from './notification.js';
import type { PushOutcome, RelayService } from './service.js';

/** A whitelist token as issued: 40 hex digits (160 bits). */
export const TOKEN_FORMAT = /^[0-9a-f]{40}$/i;

/** The rate limiters of pushing with tokens, one of each for the whole process. */
export interface PushLimits {
  /** Pushes per token (keyed by the token's id, never the token). */
  perToken: Limiter;
  /** Pushes per account, whichever of its tokens they carry. */
  perAccount: Limiter;
  /** Failed guesses (malformed or unusable tokens, bad keys, wrong passwords) per sender. */
  misses: Limiter;
}

/** Why a token was not used; `retryAfterMs` says when the sender may try again, if it must wait. */
export type Refusal =
  | { refused: 'malformed' | 'unknown'; retryAfterMs?: number }
  | { refused: 'locked-out' | 'token-limit' | 'account-limit'; retryAfterMs: number }
  /** `unavailable`: this relay cannot deliver now; `too-large`: the payload is over the limit. */
  | { refused: 'unavailable' | 'too-large'; reason: string; retryAfterMs?: undefined };

export interface TokenPush {
  /**
   * Finds the token a sender presents, counting a failed guess against the sender. `sender`
   * names who asks (`ip:…` over HTTP, `jid:…` over XMPP). Unknown, expired and revoked tokens
   * are all `unknown`.
   */
  resolve(token: string, sender: string): Promise<TokenRecord | Refusal>;
  /** Resolves the token, applies the limits and queues the push to the devices it reaches. */
  push(token: string, sender: string, n: Notification): Promise<'queued' | 'coalesced' | Refusal>;
}

export function createTokenPush(o: { service: RelayService; limits: PushLimits }): TokenPush {
  const { misses } = o.limits;

  /** Counts a failed guess; says how long the sender must wait if that was one too many. */
  async function miss(refused: 'malformed' | 'unknown', sender: string): Promise<Refusal> {
    const r = await misses.consume(sender);
    return r.ok ? { refused } : { refused, retryAfterMs: r.retryAfterMs };
  }

  async function resolve(token: string, sender: string): Promise<TokenRecord | Refusal> {
    const blocked = await misses.peek(sender);
    if (!blocked.ok) return { refused: 'locked-out', retryAfterMs: blocked.retryAfterMs };
    if (!TOKEN_FORMAT.test(token)) return miss('malformed', sender);
    return (await o.service.findToken(token.toLowerCase())) ?? miss('unknown', sender);
  }

  return {
    resolve,
    async push(token, sender, n) {
      const record = await resolve(token, sender);
      if ('refused' in record) return record;
      const perToken = await o.limits.perToken.consume(record.id);
      if (!perToken.ok) return { refused: 'token-limit', retryAfterMs: perToken.retryAfterMs };
      const perAccount = await o.limits.perAccount.consume(record.owner);
      if (!perAccount.ok) {
        return { refused: 'account-limit', retryAfterMs: perAccount.retryAfterMs };
      }
      const outcome: PushOutcome = await o.service.pushWithToken(record, n);
      if (outcome === 'queued' || outcome === 'coalesced') return outcome;
      if (typeof outcome === 'object' && 'unavailable' in outcome) {
        return { refused: 'unavailable', reason: outcome.unavailable };
      }
      if (typeof outcome === 'object' && outcome.cause === 'payload') {
        return { refused: 'too-large', reason: outcome.undeliverable };
      }
      // A token with no device it can reach answers like an unknown one: the pusher learns nothing.
      return miss('unknown', sender);
    },
  };
}
