// XEP-0357 §8 "Remote Disabling of Notifications": when the device behind a registration is
// gone, the app server "MAY send an affiliation change notice to the user's bare JID", so the
// server can stop publishing at once instead of learning it from our errors.
// https://xmpp.org/extensions/xep-0357.html (section "Remote Disabling of Notifications")
import { type Component, xml } from '@xmpp/component';
import type { Logger } from '../lib/log.js';
import type { RetiredDevice } from '../relay/service.js';
import type { Store } from '../store/types.js';
import { NS_PUBSUB } from './ns.js';

/** The affiliation-`none` notice for `node`, as XEP-0357 §8's example shows it. */
export const removeAccessNotice = (from: string, jid: string, node: string) =>
  xml(
    'message',
    { from, to: jid },
    xml('pubsub', { xmlns: NS_PUBSUB, node }, xml('affiliation', { jid, affiliation: 'none' })),
  );

/**
 * Tells the user's server about each of their registrations whose device was retired. Not when
 * the user has collected tokens: publishes then still reach them through those. Not for room
 * registrations: the room's service, not the user's server, publishes for those.
 */
export function removeAccessNotifier(o: {
  xmpp: Component;
  jid: string;
  store: Store;
  log: Logger;
}) {
  return async function notify({ jid, device }: RetiredDevice): Promise<void> {
    const ended = (await o.store.registrations.listByJid(jid)).filter(
      (r) => !r.muc && r.target.kind === 'device' && r.target.device === device,
    );
    if (ended.length === 0 || (await o.store.collected.listByJid(jid)).length > 0) return;
    for (const r of ended) await o.xmpp.send(removeAccessNotice(o.jid, jid, r.node));
    o.log.info({ jid, registrations: ended.length }, "told the user's server that push ended");
  };
}
