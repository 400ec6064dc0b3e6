// Plain-words descriptions of a user's registrations, for the explain and admin commands.
import { PROVIDER_NAMES } from '../lib/providers.js';
import type { DeviceState, Relay } from '../relay/relay.js';
import type { Registration } from '../store/types.js';
import { isCollected } from './token-collector.js';

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

function deviceSentence(d: DeviceState): string {
  const who = PROVIDER_NAMES[d.provider];
  const counts = `${d.successCount} delivered, ${d.errorCount} failed`;
  if (!d.active) {
    const why = (d.lastError && DEAD_REASONS[d.lastError]) ?? d.lastError ?? 'no reason given';
    const when = d.lastErrorAt ? ` ${ago(d.lastErrorAt)}` : '';
    return `not working: ${who} rejected the device token${when} (${why}). Open the app so it registers again; your server stops publishing for this registration.`;
  }
  if (d.lastErrorAt && (!d.lastSuccessAt || d.lastErrorAt > d.lastSuccessAt)) {
    return `working, but the last push failed ${ago(d.lastErrorAt)} (${d.lastError}) (${counts}).`;
  }
  if (d.lastSuccessAt) return `working: last push delivered ${ago(d.lastSuccessAt)} (${counts}).`;
  return 'registered; no push was needed yet.';
}

/** One line per registration, e.g. "APNs device 'ios-1': working: last push delivered 2 min ago". */
export async function explainRegistrations(
  regs: Registration[],
  relays: ReadonlyMap<string, Relay>,
): Promise<string[]> {
  if (regs.length === 0) {
    return [
      'No push registrations. Your app registers with the command register-push-apns or register-push-fcm.',
    ];
  }
  return Promise.all(
    regs.map(async (r) => {
      const label = isCollected(r)
        ? `Token your client gave for relay '${r.relay}'`
        : r.provider === 'relay'
          ? `Device '${r.deviceId}' through relay '${r.relay}'`
          : `${PROVIDER_NAMES[r.provider]} device '${r.deviceId}'`;
      const room = r.muc ? ` for room ${r.muc}` : '';
      const relay = relays.get(r.relay);
      const states = relay && (await relay.describe(r.token));
      if (!relay) return `${label}${room}: its relay '${r.relay}' is no longer configured here.`;
      if (!states) {
        return r.relay === 'local'
          ? `${label}${room}: the token behind it was revoked; register again.`
          : `${label}${room}: pushes are handed to relay '${r.relay}', which delivers them.`;
      }
      if (states.length === 0)
        return `${label}${room}: no device is left behind its token; register again.`;
      return `${label}${room}: ${states.map(deviceSentence).join(' ')}`;
    }),
  );
}
