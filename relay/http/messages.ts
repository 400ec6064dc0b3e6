// POST /api/v1/messages/ — anyone holding a whitelist token wakes the devices it reaches.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addressKey } from '../../lib/address.js';
import type { Api } from './api.js';
import { fail, invalid } from './replies.js';

const body = z.object({
  token: z.string().min(1).max(128),
  data: z.string().max(100, 'at most 100 characters').optional(),
  priority: z.enum(['high', 'low']).optional(),
});

// One answer for unknown, expired and revoked tokens and for tokens with no live device:
// a pusher learns nothing it could use to tell them apart.
const NOT_FOUND = 'Not found.';
const LOCKED_OUT = 'Too many failed attempts from this address.';

export function messageRoutes(app: FastifyInstance, api: Api): void {
  app.post('/api/v1/messages/', async (req, reply) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { token, data, priority } = parsed.data;
    const result = await api.tokenPush.push(token, `ip:${addressKey(req.ip)}`, {
      priority: priority ?? 'high',
      ...(data === undefined ? {} : { data }),
    });
    if (typeof result === 'string') return reply.code(202).send({ detail: 'Accepted.' });
    switch (result.refused) {
      case 'locked-out':
        return fail(reply, 429, LOCKED_OUT, result.retryAfterMs);
      case 'token-limit':
        return fail(reply, 429, 'Too many pushes for this token.', result.retryAfterMs);
      case 'account-limit':
        return fail(reply, 429, 'Too many pushes for this account.', result.retryAfterMs);
      case 'malformed':
        if (result.retryAfterMs !== undefined)
          return fail(reply, 429, LOCKED_OUT, result.retryAfterMs);
        return reply.code(400).send({ token: ['not a whitelist token (40 hex digits)'] });
      case 'unavailable':
        return fail(reply, 503, 'Cannot deliver now; try again later.', 60_000);
      case 'too-large':
        return fail(reply, 413, result.reason);
      case 'unknown':
        if (result.retryAfterMs !== undefined)
          return fail(reply, 429, LOCKED_OUT, result.retryAfterMs);
        return fail(reply, 404, NOT_FOUND);
    }
  });
}
