// Registration commands compatible with the p2 app server used by Conversations:
// register-push-{apns,fcm} / unregister-push-{apns,fcm} (XEP-0050 + XEP-0004), with optional
// `app` and `environment` fields where this relay serves several apps.
import { xml } from '@xmpp/component';
import { DEVICE_TOKEN_FORMAT, PROVIDER_NAMES, type ProviderName } from '../lib/providers.js';
import type { Apps } from '../relay/apps.js';
import { TOKEN_FORMAT } from '../relay/token-push.js';
import type { DeviceRoute } from '../store/types.js';
import type { Command } from './adhoc.js';
import { buildForm, type FieldSpec, type FormValues, single } from './forms.js';
import { bareJid, parseJid } from './jid.js';
import { NS_COMMANDS } from './ns.js';
import { quotaError } from './quota-error.js';
import type { Registrar } from './registrar.js';
import { refusalError } from './relay-protocol.js';
import { StanzaError } from './stanza-error.js';

const DEVICE_ID = /^[\x21-\x7e]{1,128}$/;

export function badPayload(text: string): StanzaError {
  return new StanzaError('bad-request', text, xml('bad-payload', { xmlns: NS_COMMANDS }));
}

interface Parsed {
  jid: string;
  deviceId: string;
  muc?: string;
}

/** The requester and the device fields shared by register and unregister. */
function parseCommon(from: string, form: FormValues): Parsed | StanzaError {
  const requester = parseJid(from);
  if (!requester?.local) return new StanzaError('forbidden', 'only user accounts can register');
  const deviceId = single(form, 'device-id') ?? single(form, 'android-id');
  if (!deviceId) return badPayload('missing field device-id (or android-id)');
  if (!DEVICE_ID.test(deviceId)) return badPayload('device-id must be 1-128 printable characters');
  const mucText = single(form, 'muc');
  let muc: string | undefined;
  if (mucText) {
    const m = parseJid(mucText);
    if (!m?.local || m.resource) return badPayload('muc must be the bare JID of a room');
    muc = bareJid(m);
  }
  return { jid: bareJid(requester), deviceId, muc };
}

type Kind = ProviderName | 'relay';
type Target =
  | { provider: ProviderName; deviceToken: string; route: DeviceRoute & { app: string } }
  | { provider: 'relay'; relay: string; token: string };

/** The fields that say where pushes go, per kind of registration. */
function targetFields(kind: Kind, relays: readonly string[], apps: Apps): FieldSpec[] {
  if (kind !== 'relay') {
    const mine = apps.list.filter((a) => a.provider === kind);
    const fields: FieldSpec[] = [
      {
        var: 'token',
        type: 'text-single',
        label: `${PROVIDER_NAMES[kind]} device token`,
        required: true,
      },
    ];
    if (mine.length > 1) {
      const options = mine.map((a) => a.name);
      fields.push({ var: 'app', type: 'list-single', label: 'App', options });
    }
    if (mine.some((a) => a.environments.length > 1)) {
      const options = ['production', 'sandbox'];
      fields.push({ var: 'environment', type: 'list-single', label: 'APNs environment', options });
    }
    return fields;
  }
  return [
    {
      var: 'relay',
      type: 'list-single',
      label: 'Relay holding the token',
      required: true,
      options: relays,
    },
    { var: 'token', type: 'text-single', label: 'Whitelist token at that relay', required: true },
  ];
}

/** The app of a new device from the optional `app` and `environment` fields. */
export function parseRoute(
  apps: Apps,
  provider: ProviderName,
  form: FormValues,
): (DeviceRoute & { app: string }) | StanzaError {
  const environment = single(form, 'environment');
  if (environment !== undefined && environment !== 'production' && environment !== 'sandbox') {
    return badPayload('environment must be production or sandbox');
  }
  const route = apps.resolve({ provider, app: single(form, 'app'), environment });
  return 'problem' in route ? badPayload(route.problem) : route;
}

function parseTarget(
  kind: Kind,
  form: FormValues,
  relays: readonly string[],
  apps: Apps,
): Target | StanzaError {
  const token = single(form, 'token');
  if (!token) return badPayload('missing field token');
  if (kind !== 'relay') {
    if (!DEVICE_TOKEN_FORMAT[kind].test(token)) {
      return badPayload(`token is not a valid ${PROVIDER_NAMES[kind]} device token`);
    }
    const route = parseRoute(apps, kind, form);
    if (route instanceof StanzaError) return route;
    return { provider: kind, deviceToken: token, route };
  }
  const relay = single(form, 'relay') ?? 'local';
  if (!relays.includes(relay))
    return badPayload(`unknown relay; this component knows: ${relays.join(', ')}`);
  if (!TOKEN_FORMAT.test(token))
    return badPayload('token must be a whitelist token (40 hex digits)');
  return { provider: 'relay', relay, token: token.toLowerCase() };
}

const TITLES: Record<Kind, string> = { ...PROVIDER_NAMES, relay: 'a relay token' };

export function registerCommands(o: {
  registrar: Registrar;
  apps: Apps;
  /** Relay names a registration may name (`local` and the configured `[[relays]]`). */
  relays: readonly string[];
  /** The component's JID, returned as the push service to enable. */
  jid: string;
  /** Called with the requester's full JID after a registration. */
  onRegistered?: (from: string) => void;
}): Command[] {
  const providers = (['apns', 'fcm'] as const).filter((p) =>
    o.apps.list.some((a) => a.provider === p),
  );
  const kinds: Kind[] = [...providers, 'relay'];
  return kinds.flatMap((kind): Command[] => [
    {
      node: `register-push-${kind}`,
      name: `Register a device for push through ${TITLES[kind]}`,
      instructions: 'Returns the node and secret to enable push (XEP-0357) on your server.',
      fields: [
        ...targetFields(kind, o.relays, o.apps),
        { var: 'device-id', type: 'text-single', label: 'Device identifier', required: true },
        { var: 'muc', type: 'jid-single', label: 'Room (optional)' },
      ],
      async run(from, form) {
        const common = parseCommon(from, form);
        if (common instanceof StanzaError) return common;
        const target = parseTarget(kind, form, o.relays, o.apps);
        if (target instanceof StanzaError) return target;
        const registered = await o.registrar.register({ ...common, ...target });
        if ('over' in registered) return quotaError(registered);
        if ('refused' in registered) {
          return registered.refused === 'unknown'
            ? badPayload('the relay does not know this token (unknown, expired or revoked)')
            : refusalError(registered);
        }
        const { node, secret } = registered;
        o.onRegistered?.(from);
        return buildForm('result', [
          { var: 'jid', type: 'jid-single', value: o.jid },
          { var: 'node', type: 'text-single', value: node },
          { var: 'secret', type: 'text-private', value: secret ?? '' },
        ]);
      },
    },
    {
      node: `unregister-push-${kind}`,
      name: `Unregister a device from push through ${TITLES[kind]}`,
      fields: [
        { var: 'device-id', type: 'text-single', label: 'Device identifier', required: true },
        { var: 'muc', type: 'jid-single', label: 'Room (optional)' },
      ],
      async run(from, form) {
        const common = parseCommon(from, form);
        if (common instanceof StanzaError) return common;
        const removed = await o.registrar.unregister({ ...common, provider: kind });
        if (!removed) return new StanzaError('item-not-found', 'no registration for this device');
        return buildForm('result', [{ var: 'removed', type: 'boolean', value: '1' }]);
      },
    },
  ]);
}
