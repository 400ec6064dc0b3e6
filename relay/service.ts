// The push relay's accounts, devices and whitelist tokens (the mission document's "Push Relay
// Server"), shared by the HTTP API and the XMPP component: the HTTP accounts (accounts.ts), the
// XMPP users (xmpp-users.ts) and the pushes into the queue (enqueue.ts) as one service.
import { type AccountOptions, accountRecords, createAccounts } from './accounts.js';
import { createEnqueue, type EnqueueOptions } from './enqueue.js';
import { createXmppUsers, type XmppUserOptions } from './xmpp-users.js';

export type RelayServiceOptions = Omit<
  AccountOptions & EnqueueOptions & XmppUserOptions,
  'now' | 'ownAccount'
> & { now?: () => number };

export type { LoginResult } from './accounts.js';
export { tokenDeviceId, voipDeviceId, xmppAccountName } from './device-ids.js';
export { type DeviceState, type HandOff, stateOf } from './enqueue.js';
export type { PushOutcome, Unavailable, Undeliverable } from './obstacles.js';
export type { RetiredDevice } from './xmpp-users.js';

export type RelayService = ReturnType<typeof createRelayService>;

export function createRelayService(o: RelayServiceOptions) {
  const deps = { ...o, now: o.now ?? Date.now };
  const records = accountRecords(deps);
  return {
    apps: o.apps,
    /** The service's clock (tests set it). */
    now: deps.now,
    ...createAccounts(deps, records),
    ...createEnqueue({ ...deps, ownAccount: records.ownAccount }),
    ...createXmppUsers(deps, records),
  };
}
