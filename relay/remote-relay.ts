import type { Logger } from '../lib/log.js';
import { cutText } from '../lib/text.js';
import { createRelayClient } from '../relay-client/client.js';
import {
  RelayAuthError,
  RelayClientError,
  RelayHttpError,
  RelayNotFoundError,
  RelayValidationError,
} from '../relay-client/errors.js';
import type { Notification } from './notification.js';
import type { PushOutcome } from './obstacles.js';

/** The relay's last refusal of our pushes (401, 403: it does not let us push), for `explain`. */
export interface RemoteRefusal {
  at: number;
  status: number;
  detail: string;
}

/**
 * A relay of another operator, named in `[[relays]]`: registrations and collected tokens may
 * hold a whitelist token of it, and pushes with it go out through its HTTP API
 * (`POST /api/v1/messages/`). Only configured URLs are ever contacted.
 */
export interface RemoteRelay {
  readonly name: string;
  /**
   * `gone` when the relay itself says the token is unusable, `undeliverable` when it refuses the
   * push for good, `unavailable` when it cannot answer now (or something else answered).
   */
  push(token: string, n: Notification): Promise<Exclude<PushOutcome, 'coalesced'>>;
  /** Its last refusal for good, if the last answer was one. */
  refusal(): RemoteRefusal | undefined;
}

/**
 * Whether an error answer is the relay API's own: a JSON object as its errors are (`detail`,
 * or field errors), not a proxy's or maintenance page's HTML, which says nothing of the token.
 */
function fromRelay(err: RelayHttpError): boolean {
  const body = err.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const values = Object.values(body);
  return (
    values.length > 0 &&
    values.every(
      (v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
    )
  );
}

export function createRemoteRelay(o: {
  name: string;
  url: string;
  log: Logger;
  now?: () => number;
}): RemoteRelay {
  const now = o.now ?? Date.now;
  const client = createRelayClient({ baseUrl: o.url, timeoutMs: 5000, retries: 1 });
  let refused: RemoteRefusal | undefined;
  return {
    name: o.name,
    refusal: () => refused,
    async push(token, n) {
      try {
        await client.sendMessage({ token, priority: n.priority, data: n.data });
        refused = undefined;
        return 'queued';
      } catch (err) {
        if (!(err instanceof RelayClientError)) throw err;
        const own = err instanceof RelayHttpError && fromRelay(err);
        if (own && err instanceof RelayNotFoundError) return 'gone';
        if (own && (err instanceof RelayValidationError || err instanceof RelayAuthError)) {
          const access = err instanceof RelayAuthError;
          if (access) refused = { at: now(), status: err.status, detail: err.detail };
          o.log.warn({ relay: o.name, reason: err.message }, 'remote relay refused the push');
          const detail = cutText(err.detail, 200);
          const undeliverable = `relay '${o.name}' refused the push (${err.status}): ${detail}`;
          return { undeliverable, cause: access ? 'access' : 'target' };
        }
        o.log.warn({ relay: o.name, reason: err.message }, 'remote relay failed');
        return { unavailable: `relay '${o.name}' cannot take the push now; try later` };
      }
    },
  };
}
