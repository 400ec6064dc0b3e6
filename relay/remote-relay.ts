import type { Logger } from '../app/log.js';
import { createRelayClient } from '../relay-client/client.js';
import { RelayNotFoundError } from '../relay-client/errors.js';
import type { Relay } from './relay.js';

/**
 * A relay of another operator, named in `[[relays]]`: registrations hold a whitelist token of
 * it, and publishes for them go out through its HTTP API. Only configured URLs are contacted.
 */
export function createRemoteRelay(o: { name: string; url: string; log: Logger }): Relay {
  const client = createRelayClient({ baseUrl: o.url, timeoutMs: 5000, retries: 1 });
  return {
    providers: [],
    async registerDevice() {
      throw new Error(`relay ${o.name} takes devices through its own API, not from this component`);
    },
    async removeDevice() {
      return false;
    },
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
    async revokeFor() {
      return false;
    },
    async describe() {
      return undefined;
    },
    async issueToken() {
      return undefined;
    },
    async revoke() {
      // tokens of another relay belong to their owner; nothing to do here
    },
  };
}
