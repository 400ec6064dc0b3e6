// Password hashing with scrypt (RFC 7914) from node:crypto: salted, slow, constant-time check.
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { createSemaphore } from '../lib/semaphore.js';

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LEN = 32;

/**
 * scrypt runs on libuv's threadpool (4 threads by default), which file and DNS work share: a
 * flood of logins may take at most this many of them; the others wait their turn.
 */
const slots = createSemaphore(2);
/**
 * One scrypt takes about 50 ms of a thread: with this many waiting, the next would wait about a
 * second. Past it a login is refused at once (PasswordsBusy, HTTP 503 with Retry-After) rather
 * than held until the client or the request timeout gives up.
 */
const MAX_WAITING = 40;

/** Too many password checks are waiting already; try again in a moment. */
export class PasswordsBusy extends Error {
  constructor() {
    super('too many password checks at once');
    this.name = 'PasswordsBusy';
  }
}

async function derive(password: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  if (slots.waiting >= MAX_WAITING) throw new PasswordsBusy();
  await slots.acquire();
  try {
    return await new Promise((resolve, reject) => {
      scrypt(password, salt, KEY_LEN, { ...o, maxmem: 64 * 1024 * 1024 }, (err, key) =>
        err ? reject(err) : resolve(key),
      );
    });
  } finally {
    slots.release();
  }
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
