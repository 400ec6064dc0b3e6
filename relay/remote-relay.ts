import type { Logger } from '../lib/log.js';
import { createRelayClient } from '../relay-client/client.js';
import { RelayNotFoundError } from '../relay-client/errors.js';
import type { Notification } from './notification.js';
import type { PushOutcome } from './service.js';

/**
 * A relay of another operator, named in `[[relays]]`: registrations and collected tokens may
 * hold a whitelist token of it, and pushes with it go out through its HTTP API
 * (`POST /api/v1/messages/`). Only configured URLs are ever contacted.
 */
export interface RemoteRelay {
  readonly name: string;
  /** `gone` when the relay says the token is unusable; throws when it cannot answer now. */
  push(token: string, n: Notification): Promise<Exclude<PushOutcome, 'coalesced'>>;
}

export function createRemoteRelay(o: { name: string; url: string; log: Logger }): RemoteRelay {
  const client = createRelayClient({ baseUrl: o.url, timeoutMs: 5000, retries: 1 });
  return {
    name: o.name,
    async push(token, n) {
      try {
        await client.sendMessage({ token, priority: n.priority, data: n.data });
        return 'queued';
      } catch (err) {
        if (err instanceof RelayNotFoundError) return 'gone';
        o.log.warn({ relay: o.name, reason: (err as Error).message }, 'remote relay failed');
        throw err;
      }
    },
  };
}
