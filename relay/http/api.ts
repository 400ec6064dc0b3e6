// What the route modules get from the HTTP server: the relay, its limiters and the auth helpers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Account, Limiter } from '../../store/types.js';
import type { RelayService } from '../service.js';
import type { TokenPush } from '../token-push.js';

/** Shared by the route modules of the HTTP API. */
export interface Api {
  service: RelayService;
  tokenPush: TokenPush;
  limiters: Record<'perAccount' | 'perAddress' | 'misses', Limiter>;
  /** Resolves the caller's account, or answers 401/429 and returns undefined. */
  authenticate(req: FastifyRequest, reply: FastifyReply): Promise<Account | undefined>;
  /**
   * Counts a failed token or password against the address (an IPv6 /64 is one) and, for a
   * login, the username; true (and 429 sent) when either is now over its limit.
   */
  miss(req: FastifyRequest, reply: FastifyReply, username?: string): Promise<boolean>;
  /** True (and 429 sent) when the address, or the username if given, already spent its misses. */
  blocked(req: FastifyRequest, reply: FastifyReply, username?: string): Promise<boolean>;
  pubsubJid?: string;
}
