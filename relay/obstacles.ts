// Why a push cannot go to a device from this process: the outcomes a sender must tell apart,
// since an XMPP server switches a user's push off on a non-`wait` error.
import { PROVIDER_NAMES } from '../lib/providers.js';
import type { Device } from '../store/types.js';
import type { Apps } from './apps.js';
import type { Notification } from './notification.js';
import { payloadSize } from './payload-size.js';

/** Not deliverable by this process now; `unavailable` says why, for the sender. */
export interface Unavailable {
  unavailable: string;
}

/**
 * Never deliverable as it stands: the `target` is dead for us (a removed relay, an environment
 * its app no longer has), the target's relay refuses us `access`, or the `payload` is over the
 * provider's limit.
 */
export interface Undeliverable {
  undeliverable: string;
  cause: 'target' | 'access' | 'payload';
}

/**
 * What became of a push: queued as a new job, merged into a waiting one, nowhere to go (`gone`:
 * no live device), not deliverable by this process now (our configuration or a remote relay's
 * trouble: the sender should try later), or never deliverable as it stands.
 */
export type PushOutcome = 'queued' | 'coalesced' | 'gone' | Unavailable | Undeliverable;

/** Why this process cannot deliver to the active device `d` at all; undefined when it can. */
export function deviceProblem(apps: Apps, d: Device): Unavailable | Undeliverable | undefined {
  const app = apps.of(d);
  if (!app) {
    const name =
      d.app === undefined ? `the default ${PROVIDER_NAMES[d.provider]} app` : `app '${d.app}'`;
    return { unavailable: `${name} is not configured in this process` };
  }
  if (d.environment !== undefined && !app.environments.includes(d.environment)) {
    const undeliverable = `app '${app.name}' no longer delivers to the ${d.environment} environment`;
    return { undeliverable, cause: 'target' };
  }
  return undefined;
}

/** Why the push of `n` cannot go to `d`: its device's problem, or a payload over the limit. */
export function pushObstacle(
  apps: Apps,
  d: Device,
  n: Notification,
): Unavailable | Undeliverable | undefined {
  const problem = deviceProblem(apps, d);
  if (problem) return problem;
  const { bytes, limit } = payloadSize(d.provider, n, d.voip);
  if (bytes <= limit) return undefined;
  const what = n.encrypted ? 'the encrypted payload is too large: ' : '';
  const undeliverable = `${what}the push would take ${bytes} bytes at ${PROVIDER_NAMES[d.provider]}, over its limit of ${limit}`;
  return { undeliverable, cause: 'payload' };
}
