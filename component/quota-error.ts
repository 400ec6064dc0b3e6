// The stanza error for each quota (relay/quotas.ts). Rates are `resource-constraint` (wait):
// publishes refused by them must never switch a user's push off. Counts are `policy-violation`:
// the user must remove something first; they only answer commands, never a publish.
import type { OverQuota, Quota } from '../relay/quotas.js';
import { type Condition, StanzaError } from './stanza-error.js';

type AnsweredQuota = Exclude<Quota, 'collectedTokensPerUser'>;

/**
 * Each quota's error, its text as docs/troubleshooting.md shows it: `N` stands for the quota's
 * limit, `M` for the minutes until a rate allows again.
 */
const ERRORS: Record<AnsweredQuota, readonly [Condition, string]> = {
  registrationsPerUser: [
    'policy-violation',
    'too many push registrations for this user (at most N); unregister one first',
  ],
  devicesPerAccount: [
    'policy-violation',
    'too many devices for this user (at most N); unregister one first',
  ],
  tokensPerAccount: [
    'policy-violation',
    'too many whitelist tokens for this user (at most N); revoke one first',
  ],
  issuedTokensPerUserPerDay: [
    'resource-constraint',
    'too many tokens issued today (at most N a day); wait M min',
  ],
  testPushesPerUserPerHour: [
    'resource-constraint',
    'too many test pushes (at most N an hour); wait M min',
  ],
  remotePushesPerUserPerMinute: [
    'resource-constraint',
    'too many pushes through other relays for this user; wait',
  ],
  remoteMissesPerUserPerHour: [
    'resource-constraint',
    'too many tokens of this user unknown to other relays; wait',
  ],
  remotePushesPerRelayPerMinute: [
    'resource-constraint',
    'too many pushes through this remote relay; wait',
  ],
};

/** Minutes until a rate allows again, at least one. */
const minutes = (q: OverQuota) => Math.max(1, Math.ceil((q.retryAfterMs ?? 0) / 60_000));

export function quotaError(q: OverQuota<AnsweredQuota>): StanzaError {
  const [condition, text] = ERRORS[q.over];
  const filled = text.replace(/\bN\b/, String(q.limit)).replace(/\bM\b/, String(minutes(q)));
  return new StanzaError(condition, filled);
}
