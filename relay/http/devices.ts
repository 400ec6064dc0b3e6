// /api/v1/device/{apns,gcm}/ — the account's devices (django-push-notifications shapes).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEVICE_TOKEN_FORMAT } from '../../lib/providers.js';
import { environmentOf } from '../apps.js';
import type { ProviderName } from '../provider.js';
import type { Api } from './api.js';
import { deviceJson, fail, invalid, overQuota } from './replies.js';

const KINDS: Record<string, ProviderName> = { apns: 'apns', gcm: 'fcm' };

const fields = (provider: ProviderName) =>
  z.object({
    registration_id: z
      .string()
      // The original's APNSRegistrationIdStringField: `data.replace(" ", "")` (spaces only).
      .transform((s) => (provider === 'apns' ? s.replaceAll(' ', '') : s))
      .pipe(
        z
          .string()
          .regex(
            DEVICE_TOKEN_FORMAT[provider],
            `not a valid ${provider === 'apns' ? 'APNs' : 'FCM'} token`,
          ),
      ),
    name: z.string().max(255).nullable().optional(),
    device_id: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, '1-128 printable characters')
      .nullable()
      .optional(),
    active: z.boolean().optional(),
    /** Which of this relay's apps the device belongs to (default: the provider's default app). */
    app: z.string().max(64).optional(),
    environment: z.enum(['production', 'sandbox']).optional(),
  });

type Params = { kind: string; id: string };

export function deviceRoutes(app: FastifyInstance, api: Api): void {
  /** Authenticates and resolves the provider of the URL; undefined when a reply was sent. */
  async function context(req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) {
    const provider = KINDS[req.params.kind];
    if (!provider) {
      fail(reply, 404, 'Not found.');
      return undefined;
    }
    const account = await api.authenticate(req, reply);
    if (!account) return undefined;
    if (!api.service.apps.list.some((a) => a.provider === provider)) {
      fail(
        reply,
        404,
        `This relay does not deliver through ${provider === 'apns' ? 'APNs' : 'FCM'}.`,
      );
      return undefined;
    }
    return { account, provider };
  }

  app.get<{ Params: Params }>('/api/v1/device/:kind/', async (req, reply) => {
    const c = await context(req, reply);
    if (!c) return reply;
    return (await api.service.listDevices(c.account, c.provider)).map(deviceJson);
  });

  app.post<{ Params: Params }>('/api/v1/device/:kind/', async (req, reply) => {
    const c = await context(req, reply);
    if (!c) return reply;
    const parsed = fields(c.provider).safeParse(req.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const b = parsed.data;
    const route = api.service.apps.resolve({
      provider: c.provider,
      app: b.app,
      environment: b.environment,
    });
    if ('problem' in route) {
      return reply.code(400).send({ [route.field]: [route.problem] });
    }
    const added = await api.service.addDevice(c.account, c.provider, {
      registrationId: b.registration_id,
      name: b.name ?? undefined,
      deviceId: b.device_id ?? undefined,
      ...route,
    });
    if ('over' in added) return overQuota(reply, added);
    let device = added;
    if (b.active === false) {
      device = (await api.service.updateDevice(c.account, device.id, { active: false })) ?? device;
    }
    return reply.code(201).send(deviceJson(device));
  });

  app.get<{ Params: Params }>('/api/v1/device/:kind/:id/', async (req, reply) => {
    const c = await context(req, reply);
    if (!c) return reply;
    const device = await api.service.getDevice(c.account, c.provider, req.params.id);
    return device ? deviceJson(device) : fail(reply, 404, 'Not found.');
  });

  for (const method of ['put', 'patch'] as const) {
    app[method]<{ Params: Params }>('/api/v1/device/:kind/:id/', async (req, reply) => {
      const c = await context(req, reply);
      if (!c) return reply;
      const schema = method === 'put' ? fields(c.provider) : fields(c.provider).partial();
      const parsed = schema.safeParse(req.body);
      if (!parsed.success) return invalid(reply, parsed.error);
      const current = await api.service.getDevice(c.account, c.provider, req.params.id);
      if (!current) return fail(reply, 404, 'Not found.');
      const b = parsed.data;
      if (b.device_id && b.device_id !== current.deviceId) {
        return reply.code(400).send({ device_id: ['cannot be changed; add a new device'] });
      }
      // The app and environment are the device's build: a device that changes them is another.
      const app = api.service.apps.of(current);
      if (b.app !== undefined && b.app !== app?.name) {
        return reply.code(400).send({ app: ['cannot be changed; add a new device'] });
      }
      const environment = app ? environmentOf(app, current) : current.environment;
      if (b.environment !== undefined && b.environment !== environment) {
        return reply.code(400).send({ environment: ['cannot be changed; add a new device'] });
      }
      const device = await api.service.updateDevice(c.account, req.params.id, {
        deviceToken: b.registration_id,
        name: b.name === null ? '' : b.name,
        active: b.active,
      });
      return device ? deviceJson(device) : fail(reply, 404, 'Not found.');
    });
  }

  app.delete<{ Params: Params }>('/api/v1/device/:kind/:id/', async (req, reply) => {
    const c = await context(req, reply);
    if (!c) return reply;
    const removed = await api.service.removeDevice(c.account, c.provider, req.params.id);
    return removed ? reply.code(204).send() : fail(reply, 404, 'Not found.');
  });
}
