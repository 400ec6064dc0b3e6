// Plain-words descriptions of a user's registrations, for the explain and admin commands.
import { PROVIDER_NAMES } from '../lib/providers.js';
import type { DeviceState } from '../relay/service.js';
import type { Targets, TargetView } from '../relay/targets.js';
import { type CollectedToken, type Registration, targetRelay } from '../store/types.js';

/** "5 minutes ago", "yesterday": times a person reads at a glance. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

const DEAD_REASONS: Record<string, string> = {
  Unregistered: 'the app was removed or its token changed',
  BadDeviceToken: 'the device token is not valid for this app',
  DeviceTokenNotForTopic: 'the device token belongs to another app',
};

/** Answers that also come for every device when the app's settings are wrong. */
const CONFIG_REASONS = new Set(['BadDeviceToken', 'DeviceTokenNotForTopic']);

function deviceSentence(d: DeviceState): string {
  // A device of a named app says so: an operator with several apps needs to know which one.
  const app = d.app === undefined ? '' : `through app '${d.app}'${d.voip ? ' (calls)' : ''}, `;
  return app + deviceState(d);
}

function deviceState(d: DeviceState): string {
  const who = PROVIDER_NAMES[d.provider];
  const counts = `${d.successCount} delivered, ${d.errorCount} failed`;
  if (!d.active) {
    const why = (d.lastError && DEAD_REASONS[d.lastError]) ?? d.lastError ?? 'no reason given';
    const when = d.lastErrorAt ? ` ${ago(d.lastErrorAt)}` : '';
    return `not working: ${who} rejected the device token${when} (${why}). Open the app so it registers again; your server stops publishing for this registration.`;
  }
  if (d.problem) return `not deliverable from here: ${d.problem} (${counts}).`;
  if (!d.lastSuccessAt && d.lastError && CONFIG_REASONS.has(d.lastError)) {
    // Kept, not retired (relay/config-suspects.ts): a device that never got a push proves nothing.
    return `waiting: ${who} refused the last push ${ago(d.lastErrorAt ?? 0)} (${d.lastError}), as it does for every device when the relay's settings for the app (topic, key or environment) are wrong; the device is kept and retried. If this lasts, tell the relay's admin (${counts}).`;
  }
  if (d.lastErrorAt && (!d.lastSuccessAt || d.lastErrorAt > d.lastSuccessAt)) {
    return `working, but the last push failed ${ago(d.lastErrorAt)} (${d.lastError}) (${counts}).`;
  }
  if (d.lastSuccessAt) return `working: last push delivered ${ago(d.lastSuccessAt)} (${counts}).`;
  return 'registered; no push was needed yet.';
}

const label = (r: Registration) =>
  r.provider === 'relay'
    ? `Device '${r.deviceId}' through relay '${targetRelay(r.target)}'`
    : `${PROVIDER_NAMES[r.provider]} device '${r.deviceId}'`;

/** What the user may know of where a registration's or a collected token's pushes go. */
function viewSentence(view: TargetView): string {
  switch (view.kind) {
    case 'devices':
      return view.devices.length === 0
        ? 'no device is left behind its token; register again.'
        : view.devices.map(deviceSentence).join(' ');
    case 'token':
      return `pushes go through a whitelist token of this relay${
        view.expiresAt === undefined
          ? ''
          : `, valid until ${new Date(view.expiresAt).toISOString()}`
      }; its devices are its owner's to see.`;
    case 'remote':
      if (!view.configured) return `its relay '${view.relay}' is no longer configured here.`;
      return view.refusal
        ? `relay '${view.relay}' refused our last push ${ago(view.refusal.at)} (${view.refusal.status}: ${view.refusal.detail}); its operator must let this relay push again.`
        : `pushes are handed to relay '${view.relay}', which delivers them.`;
    case 'gone':
      return 'its device or token is gone (expired or revoked); register again.';
  }
}

/** One line per registration and collected token, e.g. "APNs device 'ios-1': working: …". */
export async function explainRegistrations(
  jid: string,
  regs: Registration[],
  collected: CollectedToken[],
  targets: Targets,
): Promise<string[]> {
  if (regs.length === 0 && collected.length === 0) {
    return [
      'No push registrations. Your app registers with the command register-push-apns or register-push-fcm.',
    ];
  }
  const lines = regs.map(async (r) => {
    const room = r.muc ? ` for room ${r.muc}` : '';
    return `${label(r)}${room}: ${viewSentence(await targets.describe(r.target, jid))}`;
  });
  const tokens = collected.map(async (c) => {
    const view = await targets.describe(c.target, jid);
    return `Token your client gave for relay '${targetRelay(c.target)}': ${viewSentence(view)}`;
  });
  return Promise.all([...lines, ...tokens]);
}
