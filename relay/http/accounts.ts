// POST /api/v1/accounts/ (create, or log in with an existing username) and DELETE.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PasswordsBusy } from '../passwords.js';
import type { Api } from './api.js';
import { fail, invalid } from './replies.js';

const body = z.object({
  // Django's username rule; ':' is left out so XMPP accounts (xmpp:…) cannot be claimed.
  username: z.string().regex(/^[\w.@+-]{1,150}$/, 'letters, digits and @/./+/-/_ only (1-150)'),
  password: z.string().min(8, 'at least 8 characters').max(1024),
  email: z.union([z.email(), z.literal('')]).optional(),
});

export function accountRoutes(app: FastifyInstance, api: Api): void {
  app.post('/api/v1/accounts/', async (req, reply) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { username, password, email } = parsed.data;
    if (await api.blocked(req, reply, username)) return reply;
    const result = await api.service
      .login(username, password, email || undefined)
      .catch((err: unknown) => (err instanceof PasswordsBusy ? err : Promise.reject(err)));
    if (result instanceof PasswordsBusy) {
      return fail(reply, 503, 'Too many logins at once; try again in a moment.', 1000);
    }
    if (typeof result === 'string') {
      if (await api.miss(req, reply, username)) return reply;
      return fail(reply, 401, 'Wrong password for this username.');
    }
    const { account, apiKey, created } = result;
    // ChatSecurePushiOS (Deserializer.account) reads this as [String: String]: strings only.
    return reply.code(created ? 201 : 200).send({
      id: account.id,
      username: account.username,
      email: account.email ?? '',
      token: apiKey,
    });
  });

  // ChatSecurePushiOS (AccountEndpoint.deleteRequest) names the account by username, as the
  // original did; the id from the reply above is taken too.
  app.delete<{ Params: { id: string } }>('/api/v1/accounts/:id/', async (req, reply) => {
    const account = await api.authenticate(req, reply);
    if (!account) return reply;
    if (req.params.id !== account.id && req.params.id !== account.username)
      return fail(reply, 403, 'You can only delete your own account.');
    await api.service.deleteAccount(account);
    return reply.code(204).send();
  });
}
