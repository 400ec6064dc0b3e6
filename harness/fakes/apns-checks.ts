// The checks the fake APNs makes of each request, as APNs makes them ("Sending notification
// requests to APNs", "Establishing a token-based connection to APNs"): method and path, the
// provider token (ES256 JWT: key id, team id, signature, age), topic and payload size.
import * as crypto from 'node:crypto';
import type * as http2 from 'node:http2';

export interface FakeApnsResponse {
  status: number;
  reason?: string;
}

const MAX_PAYLOAD_BYTES = 4096;
const TOKEN_MAX_AGE_S = 3600;

function b64json(part: string | undefined): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export type Trust = {
  publicKey: crypto.KeyObject;
  keyId: string;
  teamId: string;
  /** Provider tokens whose signature checked out (a client reuses its token for many requests). */
  verified: Set<string>;
};

/** Returns the APNs error reason for a bad provider token, or undefined when it is valid. */
function checkJwt(authorization: string | undefined, trust: Trust): string | undefined {
  if (!authorization?.startsWith('bearer ')) return 'MissingProviderToken';
  const parts = authorization.slice('bearer '.length).split('.');
  const [h, p, s] = parts;
  const header = b64json(h);
  const claims = b64json(p);
  if (parts.length !== 3 || !header || !claims || s === undefined) return 'InvalidProviderToken';
  if (header.alg !== 'ES256' || header.kid !== trust.keyId || claims.iss !== trust.teamId) {
    return 'InvalidProviderToken';
  }
  // JWS ES256 signatures are raw r||s (IEEE P1363), not DER.
  const key = { key: trust.publicKey, dsaEncoding: 'ieee-p1363' as const };
  const signed = `${h}.${p}.${s}`;
  if (!trust.verified.has(signed)) {
    const sig = Buffer.from(s, 'base64url');
    if (!crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, sig)) return 'InvalidProviderToken';
    if (trust.verified.size >= 64) trust.verified.clear();
    trust.verified.add(signed);
  }
  if (typeof claims.iat !== 'number' || Date.now() / 1000 - claims.iat > TOKEN_MAX_AGE_S) {
    return 'ExpiredProviderToken';
  }
  return undefined;
}

export type Checked =
  | { error: FakeApnsResponse }
  | { deviceToken: string; payload: unknown; keyId: string };

/** Validates one request the way APNs does. */
export function checkRequest(
  headers: http2.IncomingHttpHeaders,
  raw: Buffer,
  trust: Trust,
): Checked {
  const match = /^\/3\/device\/([^/?]+)$/.exec(headers[':path'] ?? '');
  if (headers[':method'] !== 'POST') return { error: { status: 405, reason: 'MethodNotAllowed' } };
  if (!match?.[1]) return { error: { status: 404, reason: 'BadPath' } };
  const authError = checkJwt(headers.authorization, trust);
  if (authError) return { error: { status: 403, reason: authError } };
  if (!headers['apns-topic']) return { error: { status: 400, reason: 'MissingTopic' } };
  if (raw.length === 0) return { error: { status: 400, reason: 'PayloadEmpty' } };
  if (raw.length > MAX_PAYLOAD_BYTES) return { error: { status: 413, reason: 'PayloadTooLarge' } };
  try {
    return { deviceToken: match[1], payload: JSON.parse(raw.toString('utf8')), keyId: trust.keyId };
  } catch {
    return { error: { status: 400, reason: 'BadPayload' } };
  }
}
