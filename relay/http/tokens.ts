// /api/v1/tokens/ — whitelist tokens: create for one of the account's devices, list, revoke.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Device } from '../../store/types.js';
import type { Api } from './api.js';
import { fail, invalid, overQuota, tokenJson } from './replies.js';

// A device's primary key, as DRF's PrimaryKeyRelatedField took it: a number, or a string of
// digits (ChatSecurePushiOS, TokenEndpoint.postRequest, sends the id as a string); null is none.
const PK = 'Incorrect type. Expected pk value (a device id, as a number or a string of digits).';
const id = z
  .union([z.int(PK).nonnegative(PK), z.string().regex(/^[0-9]{1,15}$/, PK)], { error: PK })
  .transform((v) => String(Number(v)))
  .nullable()
  .optional();

const body = z
  .object({
    apns_device: id,
    gcm_device: id,
    name: z.string().max(255).optional(),
  })
  .refine((b) => (b.apns_device == null) !== (b.gcm_device == null), {
    message: 'give exactly one of apns_device and gcm_device',
  });

export function tokenRoutes(app: FastifyInstance, api: Api): void {
  app.post('/api/v1/tokens/', async (req, reply) => {
    const account = await api.authenticate(req, reply);
    if (!account) return reply;
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const b = parsed.data;
    const provider = b.apns_device != null ? 'apns' : 'fcm';
    const pk = String(b.apns_device ?? b.gcm_device);
    const device = await api.service.getDevice(account, provider, pk);
    if (!device) {
      const field = provider === 'apns' ? 'apns_device' : 'gcm_device';
      return reply.code(400).send({ [field]: [`Invalid pk "${pk}" - object does not exist.`] });
    }
    const made = await api.service.createToken(account, b.name ?? '');
    if ('over' in made) return overQuota(reply, made);
    const { token, record } = made;
    return reply.code(201).send(tokenJson(record, device, token));
  });

  app.get('/api/v1/tokens/', async (req, reply) => {
    const account = await api.authenticate(req, reply);
    if (!account) return reply;
    const tokens = await api.service.listTokens(account);
    const devices = new Map<string, Device | undefined>();
    for (const t of tokens) {
      if (t.scope === 'device' && !devices.has(t.deviceId))
        devices.set(t.deviceId, await api.service.deviceById(account, t.deviceId));
    }
    return tokens.map((t) =>
      tokenJson(t, t.scope === 'device' ? devices.get(t.deviceId) : undefined),
    );
  });

  app.delete<{ Params: { token: string } }>('/api/v1/tokens/:token/', async (req, reply) => {
    const account = await api.authenticate(req, reply);
    if (!account) return reply;
    const key = req.params.token;
    if (!/^(\d{1,18}|[0-9a-f]{40})$/i.test(key)) return fail(reply, 404, 'Not found.');
    const revoked = await api.service.revokeToken(account, key.toLowerCase());
    return revoked ? reply.code(204).send() : fail(reply, 404, 'Not found.');
  });
}
