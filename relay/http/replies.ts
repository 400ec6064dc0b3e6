// DRF-style JSON errors and the ChatSecure-compatible shapes of the relay API.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { drfTime, isoTime } from '../../lib/time.js';
import type { Device, TokenRecord } from '../../store/types.js';
import type { OverQuota } from '../quotas.js';

export function fail(reply: FastifyReply, status: number, detail: string, retryAfterMs?: number) {
  if (retryAfterMs !== undefined)
    reply.header('retry-after', Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return reply.code(status).send({ detail });
}

/** 403 for a count quota of the account: it must remove something first. */
export function overQuota(
  reply: FastifyReply,
  q: OverQuota<'devicesPerAccount' | 'tokensPerAccount'>,
) {
  return q.over === 'devicesPerAccount'
    ? fail(reply, 403, `This account has too many devices (at most ${q.limit}); delete one first.`)
    : fail(
        reply,
        403,
        `This account has too many whitelist tokens (at most ${q.limit}); revoke one first.`,
      );
}

/** 400 with `{field: [messages]}`, as Django REST framework answers invalid input. */
export function invalid(reply: FastifyReply, error: z.ZodError) {
  const body: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : 'non_field_errors';
    body[key] ??= [];
    body[key].push(issue.message);
  }
  return reply.code(400).send(body);
}

/**
 * A device as django-push-notifications showed it. ChatSecurePushiOS (Deserializer.device) reads
 * `id` only as a string (the original's ids were UUIDs) and rejects the device unless
 * `date_created` parses as `yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z`.
 */
export function deviceJson(d: Device) {
  return {
    id: d.id,
    name: d.name ?? null,
    active: d.active,
    registration_id: d.deviceToken,
    device_id: d.deviceId.startsWith('token:') ? null : d.deviceId,
    date_created: drfTime(d.createdAt),
  };
}

/**
 * A token as the ChatSecure API shows it. `device` is the one the token was asked for (when it is
 * made) or is tied to; an account-wide token listed later names none. As the original server
 * (NonNullSerializer), members without a value are left out rather than written as null; the
 * device is its id as a string, the only type ChatSecurePushiOS (Deserializer.token) reads.
 * `date_expires` keeps its millisecond form: the original wrote it through a ReadOnlyField, not
 * DATETIME_FORMAT, and the client reads it as optional.
 */
export function tokenJson(t: TokenRecord, device: Device | undefined, token?: string) {
  return {
    id: Number(t.id),
    name: t.name,
    ...(token === undefined ? {} : { token }),
    ...(device?.provider === 'apns' ? { apns_device: device.id } : {}),
    ...(device?.provider === 'fcm' ? { gcm_device: device.id } : {}),
    date_created: drfTime(t.createdAt),
    ...(t.expiresAt === undefined ? {} : { date_expires: isoTime(t.expiresAt) }),
  };
}
