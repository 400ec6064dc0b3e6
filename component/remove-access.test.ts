import { describe, expect, it } from '@jest/globals';
import type { Component, Element } from '@xmpp/component';
import { removeAccessNotifier } from './remove-access.js';
import { log, memoryKit, registrarOf } from './test-kit.js';

const USER = 'romeo@localhost';

/** The kit with one APNs registration, and the notices its notifier sends (XML text). */
async function setup(o: { muc?: string } = {}) {
  const kit = memoryKit();
  const sent: string[] = [];
  const xmpp = { send: async (el: Element) => void sent.push(el.toString()) } as Component;
  kit.service.onRetired(
    removeAccessNotifier({ xmpp, jid: 'push.localhost', store: kit.store, log }),
  );
  const { node } = await registrarOf(kit).register({
    jid: USER,
    provider: 'apns',
    deviceToken: 'ab'.repeat(32),
    deviceId: 'phone',
    ...(o.muc && { muc: o.muc }),
  });
  const target = (await kit.store.registrations.get(node))?.target;
  if (target?.kind !== 'device') throw new Error('a device registration was expected');
  /** What the delivery worker does on a dead token: records it, then reports it. */
  const retire = async () => {
    await kit.store.devices.recordError(target.device, 'Unregistered', Date.now(), true);
    await kit.service.reportDead(target.device);
  };
  return { kit, node, sent, retire, device: target.device };
}

describe('the remove-access notice (XEP-0357 §8)', () => {
  it("goes to the user's bare JID, naming the node, once the device is retired", async () => {
    const { kit, node, sent, retire, device } = await setup();
    await kit.service.reportDead(device); // still active: nothing to tell
    expect(sent).toEqual([]);
    await retire();
    expect(sent).toEqual([
      `<message from="push.localhost" to="${USER}"><pubsub xmlns="http://jabber.org/protocol/pubsub" node="${node}"><affiliation jid="${USER}" affiliation="none"/></pubsub></message>`,
    ]);
    await kit.store.close();
  });

  it('is not sent while collected tokens still carry the pushes, nor for a room registration', async () => {
    const withTokens = await setup();
    await withTokens.kit.store.collected.put({
      jid: USER,
      target: { kind: 'remote', relay: 'partner', token: 'ee'.repeat(20) },
      createdAt: Date.now(),
    });
    await withTokens.retire();
    expect(withTokens.sent).toEqual([]);
    const room = await setup({ muc: 'verona@conference.localhost' });
    await room.retire();
    expect(room.sent).toEqual([]);
    await withTokens.kit.store.close();
    await room.kit.store.close();
  });
});
