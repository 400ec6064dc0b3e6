// POST /api/v1/messages/ — anyone holding a whitelist token wakes the account's devices.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { fail, invalid } from './replies.js';
import type { Api } from './server.js';

const body = z
  .object({
    token: z.string().min(1).max(128),
    data: z.string().max(100, 'at most 100 characters').optional(),
    priority: z.enum(['high', 'low']).optional(),
  })
  .strict();

// One answer for unknown, expired and revoked tokens and for tokens with no live device:
// a pusher learns nothing it could use to tell them apart.
const NOT_FOUND = 'Not found.';

export function messageRoutes(app: FastifyInstance, api: Api): void {
  app.post('/api/v1/messages/', async (req, reply) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    if (await api.blocked(req, reply)) return reply;
    const { token, data, priority } = parsed.data;
    if (!/^[0-9a-f]{40}$/i.test(token)) {
      if (await api.miss(req, reply)) return reply;
      return fail(reply, 404, NOT_FOUND);
    }
    const limit = await api.limiters.perToken.consume(token.toLowerCase());
    if (!limit.ok) return fail(reply, 429, 'Too many pushes for this token.', limit.retryAfterMs);
    const outcome = await api.service.push(token.toLowerCase(), {
      priority: priority ?? 'high',
      ...(data === undefined ? {} : { data }),
    });
    if (outcome === 'gone') {
      if (await api.miss(req, reply)) return reply;
      return fail(reply, 404, NOT_FOUND);
    }
    return reply.code(202).send({ detail: 'Accepted.' });
  });
}
