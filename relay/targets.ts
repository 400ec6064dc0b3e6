// Pushing to what a registration or a collected token points at (store Target): a device of
// this relay, a whitelist token of this relay, or a token of a configured remote relay.
import type { Target } from '../store/types.js';
import type { Notification } from './notification.js';
import type { UserRemote } from './quotas.js';
import type { RemoteRefusal } from './remote-relay.js';
import type { DeviceState, PushOutcome, RelayService } from './service.js';

/** What a user is shown of a target: never the devices behind somebody else's token. */
export type TargetView =
  | { kind: 'devices'; devices: DeviceState[] }
  | { kind: 'token'; expiresAt?: number }
  | { kind: 'remote'; relay: string; configured: boolean; refusal?: RemoteRefusal }
  | { kind: 'gone' };

export interface Targets {
  /**
   * Durably queues (or hands on) a push; `gone` when the target's device or token is gone, and
   * `undeliverable` when it names a relay removed from `[[relays]]`. `user` (a bare JID) is whom
   * it is for, counted by the quotas of remote relays. `at`: when the push was made (default now;
   * see RelayService.pushToDevice).
   */
  push(target: Target, n: Notification, user?: string, at?: number): Promise<PushOutcome>;
  /** The target as the XMPP user `jid`, whose registration it is, may see it. */
  describe(target: Target, jid: string): Promise<TargetView>;
}

export function createTargets(o: {
  service: RelayService;
  remotes: ReadonlyMap<string, UserRemote>;
}): Targets {
  return {
    async push(target, n, user, at) {
      switch (target.kind) {
        case 'device':
          return o.service.pushToDevice(target.device, n, at);
        case 'token': {
          const record = await o.service.tokenById(target.token);
          return record ? o.service.pushWithToken(record, n, at) : 'gone';
        }
        case 'remote': {
          const remote = o.remotes.get(target.relay);
          if (!remote) {
            const undeliverable = `relay '${target.relay}' is no longer configured here`;
            return { undeliverable, cause: 'target' };
          }
          return remote.push(target.token, n, user);
        }
      }
    },

    async describe(target, jid) {
      switch (target.kind) {
        case 'device': {
          const state = await o.service.deviceState(target.device);
          return state ? { kind: 'devices', devices: [state] } : { kind: 'gone' };
        }
        case 'token': {
          const record = await o.service.tokenById(target.token);
          if (!record) return { kind: 'gone' };
          // Holding a token lets one push with it, not look behind it.
          const own = (await o.service.xmppAccount(jid))?.id === record.owner;
          return own
            ? { kind: 'devices', devices: await o.service.tokenDevices(record) }
            : { kind: 'token', expiresAt: record.expiresAt };
        }
        case 'remote': {
          const remote = o.remotes.get(target.relay);
          const refusal = remote?.refusal();
          return {
            kind: 'remote',
            relay: target.relay,
            configured: !!remote,
            ...(refusal && { refusal }),
          };
        }
      }
    },
  };
}
