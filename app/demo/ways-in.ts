// How each client family of the demo registers its phone, with the stanzas its clients send:
// Conversations' p2 ad-hoc commands, and Siskin IM's (Tigase family) discovery and
// register-device. Each ends with what the client then enables push with (XEP-0357 §5).
import { NS_DATA, NS_PUSH } from '../../component/ns.js';
import type { Element, TestClient } from '../../harness/servers/xmpp-client.js';
import { type Say, short } from './say.js';
import { COMPONENT_JID, SISKIN_PROVIDER, type User } from './setup.js';

/** The `<enable/>` a client sends after registering: no secret means no publish-options. */
export interface Enable {
  jid: string;
  node: string;
  secret?: string;
}

interface Phone {
  user: User;
  phone: string;
  token: string;
}

function formFields(command: Element): Record<string, string | undefined> {
  const fields = command.getChild('x', NS_DATA)?.getChildren('field') ?? [];
  return Object.fromEntries(fields.map((f) => [f.attrs.var, f.getChildText('value') ?? undefined]));
}

/** Conversations' way in: `register-push-<provider>` answers a node and a secret. */
export async function registerP2(
  client: TestClient,
  say: Say,
  o: Phone & { provider: 'apns' | 'fcm' },
): Promise<Enable> {
  const node = `register-push-${o.provider}`;
  const command = await client.executeCommand(COMPONENT_JID, node, {
    token: o.token,
    'device-id': `${o.user}-${o.phone.toLowerCase().replace(/\W+/g, '-')}`,
  });
  const fields = formFields(command);
  if (command.attrs.status !== 'completed' || !fields.node || !fields.secret) {
    throw new Error(`${node} did not complete (status ${command.attrs.status})`);
  }
  say(`✓ ${o.user}'s ${o.phone} registered with the ad-hoc command ${node}`);
  const name = o.provider === 'apns' ? 'APNs' : 'FCM';
  say(`  (made-up ${name} device token ${short(o.token)}); ${COMPONENT_JID} answered with`);
  say(`  node ${short(fields.node)} and a secret`);
  return { jid: fields.jid ?? COMPONENT_JID, node: fields.node, secret: fields.secret };
}

/** Siskin IM's way in: `register-device`, a submitted form without FORM_TYPE, answers a node. */
export async function registerSiskin(
  client: TestClient,
  say: Say,
  o: Phone & { voipToken: string },
): Promise<Enable> {
  const service = await client.findPushService('localhost', [NS_PUSH, SISKIN_PROVIDER]);
  say(`✓ Siskin found ${service}: disco#items on localhost, then disco#info showed a`);
  say(`  pubsub/push identity with the features ${NS_PUSH} and ${SISKIN_PROVIDER}`);

  // Martin writes the fields of register-device with type text-single, and no FORM_TYPE.
  const fields = {
    provider: SISKIN_PROVIDER,
    'device-token': o.token,
    'device-second-token': o.voipToken,
  };
  const command = await client.executeCommand(service, 'register-device', fields, 'text-single');
  const node = formFields(command).node;
  if (command.attrs.status !== 'completed' || !node) {
    throw new Error(`register-device did not complete (status ${command.attrs.status})`);
  }
  say(`✓ ${o.user}'s ${o.phone} registered with the ad-hoc command register-device`);
  say(`  (provider ${SISKIN_PROVIDER}, made-up APNs device token ${short(o.token)},`);
  say(`  PushKit token ${short(o.voipToken)}); ${service} answered with node ${short(node)}`);
  say('  and no secret: the node itself is the credential');
  return { jid: service, node };
}
