// Registration commands compatible with the p2 app server used by Conversations:
// register-push-{apns,fcm} / unregister-push-{apns,fcm} (XEP-0050 + XEP-0004).
import { xml } from '@xmpp/component';
import type { ProviderName } from '../relay/provider.js';
import type { Command } from './adhoc.js';
import { buildForm, type FormValues, single } from './forms.js';
import { bareJid, parseJid } from './jid.js';
import { NS_COMMANDS } from './ns.js';
import type { Registrar } from './registrar.js';
import { StanzaError } from './stanza-error.js';

const TOKEN_FORMAT: Record<ProviderName, RegExp> = {
  apns: /^(?:[0-9a-fA-F]{2}){16,100}$/,
  fcm: /^[A-Za-z0-9_:.-]{16,4096}$/,
};
const DEVICE_ID = /^[\x21-\x7e]{1,128}$/;
const NAMES: Record<ProviderName, string> = { apns: 'APNs', fcm: 'FCM' };

function badPayload(text: string): StanzaError {
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

export function registerCommands(o: {
  registrar: Registrar;
  providers: readonly ProviderName[];
  /** The component's JID, returned as the push service to enable. */
  jid: string;
}): Command[] {
  const { registrar, providers } = o;
  return providers.flatMap((provider): Command[] => [
    {
      node: `register-push-${provider}`,
      name: `Register a device for ${NAMES[provider]} push`,
      instructions: 'Returns the node and secret to enable push (XEP-0357) on your server.',
      fields: [
        {
          var: 'token',
          type: 'text-single',
          label: `${NAMES[provider]} device token`,
          required: true,
        },
        { var: 'device-id', type: 'text-single', label: 'Device identifier', required: true },
        { var: 'muc', type: 'jid-single', label: 'Room (optional)' },
      ],
      async run(from, form) {
        const common = parseCommon(from, form);
        if (common instanceof StanzaError) return common;
        const deviceToken = single(form, 'token');
        if (!deviceToken) return badPayload('missing field token');
        if (!TOKEN_FORMAT[provider].test(deviceToken)) {
          return badPayload(`token is not a valid ${NAMES[provider]} device token`);
        }
        const { node, secret } = await registrar.register({ ...common, provider, deviceToken });
        return buildForm('result', [
          { var: 'jid', type: 'jid-single', value: o.jid },
          { var: 'node', type: 'text-single', value: node },
          { var: 'secret', type: 'text-private', value: secret },
        ]);
      },
    },
    {
      node: `unregister-push-${provider}`,
      name: `Unregister a device from ${NAMES[provider]} push`,
      fields: [
        { var: 'device-id', type: 'text-single', label: 'Device identifier', required: true },
        { var: 'muc', type: 'jid-single', label: 'Room (optional)' },
      ],
      async run(from, form) {
        const common = parseCommon(from, form);
        if (common instanceof StanzaError) return common;
        const removed = await registrar.unregister({ ...common, provider });
        if (!removed) return new StanzaError('item-not-found', 'no registration for this device');
        return buildForm('result', [{ var: 'removed', type: 'boolean', value: '1' }]);
      },
    },
  ]);
}
