// DRF-style JSON errors and the ChatSecure-compatible shapes of the relay API.
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { isoTime } from '../../lib/time.js';
import type { Device, TokenRecord } from '../../store/types.js';

export function fail(reply: FastifyReply, status: number, detail: string, retryAfterMs?: number) {
  if (retryAfterMs !== undefined)
    reply.header('retry-after', Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return reply.code(status).send({ detail });
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

const iso = (ms: number | undefined) => isoTime(ms) ?? null;

export function deviceJson(d: Device) {
  return {
    id: Number(d.id),
    name: d.name ?? null,
    active: d.active,
    registration_id: d.deviceToken,
    device_id: d.deviceId.startsWith('token:') ? null : d.deviceId,
    date_created: iso(d.createdAt),
  };
}

/**
 * A token as the ChatSecure API shows it. `device` is the one the token was asked for (when it is
 * made) or is tied to; an account-wide token listed later shows none.
 */
export function tokenJson(t: TokenRecord, device: Device | undefined, token?: string) {
  return {
    id: Number(t.id),
    name: t.name,
    ...(token === undefined ? {} : { token }),
    apns_device: device?.provider === 'apns' ? Number(device.id) : null,
    gcm_device: device?.provider === 'fcm' ? Number(device.id) : null,
    date_created: iso(t.createdAt),
    date_expires: iso(t.expiresAt),
  };
}
