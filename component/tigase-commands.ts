// Registration commands of the Tigase push component, as Siskin IM, BeagleIM and Stork send
// them (Martin's TigasePushNotificationsModule): `register-device` with `provider`,
// `device-token` and an optional `device-second-token` (a PushKit token for calls), answered
// with `node`; `unregister-device` with `provider` and `device-token`. The enable that follows
// carries no secret: the node (128 random bits) is the credential.
import { DEVICE_TOKEN_FORMAT, PROVIDER_NAMES } from '../lib/providers.js';
import type { AppInfo, Apps } from '../relay/apps.js';
import { tokenDeviceId } from '../relay/service.js';
import type { Command } from './adhoc.js';
import { buildForm, type FormValues, single } from './forms.js';
import { bareJid, parseJid } from './jid.js';
import { NS_PUSH_ENCRYPTED } from './ns.js';
import { quotaError } from './quota-error.js';
import { badPayload } from './register-commands.js';
import type { Registrar } from './registrar.js';
import { StanzaError } from './stanza-error.js';

/**
 * The largest encrypted payload (bytes before base64) that still fits Apple's 4 KB with the
 * keys around it; Siskin passes it on to its server as the encrypt `max-size`.
 */
export const MAX_ENCRYPTED_BYTES = 2048;

interface Device {
  jid: string;
  app: AppInfo;
  deviceToken: string;
}

function parseDevice(apps: Apps, from: string, form: FormValues): Device | StanzaError {
  const requester = parseJid(from);
  if (!requester?.local) return new StanzaError('forbidden', 'only user accounts can register');
  const provider = single(form, 'provider');
  if (!provider) return badPayload('missing field provider');
  const app = apps.byTigaseProvider(provider);
  if (!app) {
    const known = apps.list.flatMap((a) => a.tigaseProviders);
    return badPayload(
      known.length > 0
        ? `unknown provider; this relay knows: ${known.join(', ')}`
        : 'this relay takes no Tigase registrations (no app lists tigase_providers)',
    );
  }
  const deviceToken = single(form, 'device-token');
  if (!deviceToken) return badPayload('missing field device-token');
  if (!DEVICE_TOKEN_FORMAT[app.provider].test(deviceToken)) {
    return badPayload(`device-token is not a valid ${PROVIDER_NAMES[app.provider]} device token`);
  }
  return { jid: bareJid(requester), app, deviceToken };
}

export function tigaseCommands(o: {
  registrar: Registrar;
  apps: Apps;
  /** Called with the requester's full JID after a registration. */
  onRegistered?: (from: string) => void;
}): Command[] {
  return [
    {
      node: 'register-device',
      name: 'Register device',
      fields: [
        { var: 'provider', type: 'text-single', label: 'Provider', required: true },
        { var: 'device-token', type: 'text-single', label: 'Device token', required: true },
        { var: 'device-second-token', type: 'text-single', label: 'VoIP (PushKit) token' },
      ],
      async run(from, form) {
        const device = parseDevice(o.apps, from, form);
        if (device instanceof StanzaError) return device;
        const { jid, app, deviceToken } = device;
        const second = single(form, 'device-second-token') || undefined;
        if (second !== undefined && !DEVICE_TOKEN_FORMAT[app.provider].test(second)) {
          return badPayload('device-second-token is not a valid device token');
        }
        const registered = await o.registrar.register({
          jid,
          provider: app.provider,
          deviceId: tokenDeviceId(deviceToken),
          deviceToken,
          route: { app: app.name },
          // Without a VoIP topic a PushKit token could not be used: calls go as alerts then.
          ...(second !== undefined && app.voip && { voipToken: second }),
          secret: false,
        });
        if ('over' in registered) return quotaError(registered);
        if ('refused' in registered) return new StanzaError('internal-server-error');
        o.onRegistered?.(from);
        return buildForm('result', [
          { var: 'node', type: 'text-single', value: registered.node },
          { var: 'features', type: 'list-multi', values: [NS_PUSH_ENCRYPTED] },
          { var: 'max-payload-size', type: 'text-single', value: String(MAX_ENCRYPTED_BYTES) },
        ]);
      },
    },
    {
      node: 'unregister-device',
      name: 'Unregister device',
      fields: [
        { var: 'provider', type: 'text-single', label: 'Provider', required: true },
        { var: 'device-token', type: 'text-single', label: 'Device token', required: true },
      ],
      async run(from, form) {
        const device = parseDevice(o.apps, from, form);
        if (device instanceof StanzaError) return device;
        const removed = await o.registrar.unregister({
          jid: device.jid,
          provider: device.app.provider,
          deviceId: tokenDeviceId(device.deviceToken),
        });
        if (!removed) return new StanzaError('item-not-found', 'no registration for this device');
        return buildForm('result', []);
      },
    },
  ];
}
