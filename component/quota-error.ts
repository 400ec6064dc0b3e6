// The stanza error for each quota (relay/quotas.ts). Rates are `resource-constraint` (wait):
// publishes refused by them must never switch a user's push off. Counts are `policy-violation`:
// the user must remove something first; they only answer commands, never a publish.
import type { OverQuota, Quota } from '../relay/quotas.js';
import { StanzaError } from './stanza-error.js';

/** Minutes until a rate allows again, at least one. */
const minutes = (q: OverQuota) => Math.max(1, Math.ceil((q.retryAfterMs ?? 0) / 60_000));

export function quotaError(q: OverQuota<Exclude<Quota, 'collectedTokensPerUser'>>): StanzaError {
  switch (q.over) {
    case 'registrationsPerUser':
      return new StanzaError(
        'policy-violation',
        `too many push registrations for this user (at most ${q.limit}); unregister one first`,
      );
    case 'devicesPerAccount':
      return new StanzaError(
        'policy-violation',
        `too many devices for this user (at most ${q.limit}); unregister one first`,
      );
    case 'tokensPerAccount':
      return new StanzaError(
        'policy-violation',
        `too many whitelist tokens for this user (at most ${q.limit}); revoke one first`,
      );
    case 'issuedTokensPerUserPerDay':
      return new StanzaError(
        'resource-constraint',
        `too many tokens issued today (at most ${q.limit} a day); wait ${minutes(q)} min`,
      );
    case 'testPushesPerUserPerHour':
      return new StanzaError(
        'resource-constraint',
        `too many test pushes (at most ${q.limit} an hour); wait ${minutes(q)} min`,
      );
    case 'remotePushesPerUserPerMinute':
      return new StanzaError(
        'resource-constraint',
        'too many pushes through other relays for this user; wait',
      );
    case 'remoteMissesPerUserPerHour':
      return new StanzaError(
        'resource-constraint',
        'too many tokens of this user unknown to other relays; wait',
      );
    case 'remotePushesPerRelayPerMinute':
      return new StanzaError(
        'resource-constraint',
        'too many pushes through this remote relay; wait',
      );
  }
}
