// The relay's HTTP API, compatible with the ChatSecure push server (DRF style, trailing
// slashes, `Authorization: Token <key>`), with rate limits and input checks. JSON members the
// API does not define are ignored, as the original (Django REST framework) ignored them.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { addressKey } from '../../lib/address.js';
import type { Logger } from '../../lib/log.js';
import type { Store } from '../../store/types.js';
import type { RelayService } from '../service.js';
import type { PushLimits, TokenPush } from '../token-push.js';
import { accountRoutes } from './accounts.js';
import type { Api } from './api.js';
import { deviceRoutes } from './devices.js';
import { messageRoutes } from './messages.js';
import { fail } from './replies.js';
import { tokenRoutes } from './tokens.js';

export interface HttpApiOptions {
  service: RelayService;
  tokenPush: TokenPush;
  store: Store;
  log: Logger;
  bodyLimit: number;
  /** Whole request within this time; idle connections closed after it. */
  requestTimeoutMs: number;
  trustProxy: boolean;
  /** Failed guesses, shared with the pushes over XMPP (keys `ip:…` here). */
  misses: PushLimits['misses'];
  limits: {
    requestsPerAccountPerMinute: number;
    requestsPerAddressPerMinute: number;
  };
  /** The XMPP component's JID for GET /api/v1/pubsub/, when this process has one. */
  pubsubJid?: string;
}

const STATUS_DETAIL: Record<number, string> = {
  400: 'Malformed request.',
  413: 'Request body too large.',
  415: 'Unsupported media type: send application/json.',
};

export function createHttpApi(o: HttpApiOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: o.bodyLimit,
    requestTimeout: o.requestTimeoutMs,
    connectionTimeout: o.requestTimeoutMs,
    trustProxy: o.trustProxy,
    // No Fastify logger: our own request log hides whitelist tokens in URLs.
    logger: false,
    // A URL Fastify's router cannot take (broken percent-encoding, a parameter longer than any
    // id or token) is answered in the API's own error shape, as everything else.
    frameworkErrors: (err, _req, reply) =>
      err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? fail(reply, 404, 'Not found.')
        : fail(reply, 400, STATUS_DETAIL[400] as string),
  });
  // An empty body is no body, whatever its Content-Type says, as DRF read it; Fastify's own JSON
  // parser answers such a request 400 (FST_ERR_CTP_EMPTY_JSON_BODY) before any route sees it.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : parseJson(req, String(body), done),
  );
  const limiter = (name: string, points: number) =>
    o.store.limiter({ name, points, durationS: 60 });
  const limiters = {
    perAccount: limiter('account', o.limits.requestsPerAccountPerMinute),
    perAddress: limiter('address', o.limits.requestsPerAddressPerMinute),
    misses: o.misses,
  };

  /** A failed guess counts against the address and, for a login, against the username too. */
  const missKeys = (req: FastifyRequest, username?: string) => [
    `ip:${addressKey(req.ip)}`,
    ...(username === undefined ? [] : [`user:${username}`]),
  ];
  const over = (
    reply: FastifyReply,
    results: Array<{ ok: true } | { ok: false; retryAfterMs: number }>,
    username?: string,
  ): boolean => {
    const [byAddress, byUser] = results;
    const wait = results.reduce((ms, r) => (r.ok ? ms : Math.max(ms, r.retryAfterMs)), 0);
    if (byAddress?.ok !== false && byUser?.ok !== false) return false;
    const who = byAddress?.ok === false ? 'this address' : `the username ${username}`;
    fail(reply, 429, `Too many failed attempts from ${who}.`, wait);
    return true;
  };

  const api: Api = {
    service: o.service,
    tokenPush: o.tokenPush,
    limiters,
    pubsubJid: o.pubsubJid,
    async authenticate(req, reply) {
      const header = req.headers.authorization ?? '';
      const match = /^Token\s+([0-9a-f]{40})$/i.exec(header.trim());
      if (!header) {
        fail(reply, 401, 'Authentication credentials were not provided.');
        return undefined;
      }
      if (await api.blocked(req, reply)) return undefined;
      const account = match?.[1] ? await o.service.authenticate(match[1].toLowerCase()) : undefined;
      if (!account) {
        if (!(await api.miss(req, reply))) fail(reply, 401, 'Invalid token.');
        return undefined;
      }
      const r = await limiters.perAccount.consume(account.id);
      if (!r.ok) {
        fail(reply, 429, 'Request was throttled.', r.retryAfterMs);
        return undefined;
      }
      return account;
    },
    async miss(req, reply, username) {
      const keys = missKeys(req, username);
      const results = await Promise.all(keys.map((k) => limiters.misses.consume(k)));
      return over(reply, results, username);
    },
    async blocked(req, reply, username) {
      const keys = missKeys(req, username);
      const results = await Promise.all(keys.map((k) => limiters.misses.peek(k)));
      return over(reply, results, username);
    },
  };

  app.addHook('onRequest', async (req, reply) => {
    const r = await limiters.perAddress.consume(addressKey(req.ip));
    if (!r.ok) return fail(reply, 429, 'Request was throttled.', r.retryAfterMs);
  });
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.replace(/[0-9a-f]{40}/gi, '[token]');
    o.log.debug({ method: req.method, path, status: reply.statusCode, ip: req.ip }, 'http');
  });
  app.setNotFoundHandler((_req, reply) => fail(reply, 404, 'Not found.'));
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      o.log.error({ err }, 'HTTP handler failed');
      return fail(reply, 503, 'The relay cannot answer now; try again later.', 5000);
    }
    return fail(reply, status, STATUS_DETAIL[status] ?? err.message);
  });

  app.register(async (scope) => {
    accountRoutes(scope, api);
    deviceRoutes(scope, api);
    tokenRoutes(scope, api);
    messageRoutes(scope, api);
    scope.get('/api/v1/pubsub/', async (_req, reply) =>
      api.pubsubJid
        ? { jid: api.pubsubJid }
        : fail(reply, 404, 'This relay has no XMPP push component.'),
    );
  });
  return app;
}
