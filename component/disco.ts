// XEP-0030: Service Discovery — identity and features derived from the registered routes.
import { type Element, xml } from '@xmpp/component';
import type { IqRoute } from './iq-router.js';
import { NS_COMMANDS, NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS } from './ns.js';
import { StanzaError } from './stanza-error.js';

export interface CommandInfo {
  node: string;
  name: string;
}

export interface DiscoOptions {
  jid: string;
  /** Routes other than disco's own; their features are advertised. */
  routes: IqRoute[];
  /** Ad-hoc commands visible to the requester. */
  commands: (from: string) => CommandInfo[];
  /** Features beyond the routes' own. */
  features?: readonly string[];
}

/** https://xmpp.org/extensions/xep-0030.html#info and #items */
export function discoRoutes(o: DiscoOptions): IqRoute[] {
  const features = [
    ...new Set([
      NS_DISCO_INFO,
      NS_DISCO_ITEMS,
      ...o.routes.flatMap((r) => r.features),
      ...(o.features ?? []),
    ]),
  ].sort();

  const info = async ({ element, from }: { element: Element; from: string }) => {
    const node = element.attrs.node;
    if (!node) {
      return xml(
        'query',
        { xmlns: NS_DISCO_INFO },
        xml('identity', { category: 'pubsub', type: 'push', name: 'XMPP push relay' }),
        ...features.map((f) => xml('feature', { var: f })),
      );
    }
    if (node === NS_COMMANDS) {
      return xml('query', { xmlns: NS_DISCO_INFO, node });
    }
    const command = o.commands(from).find((c) => c.node === node);
    if (!command) return new StanzaError('item-not-found');
    // https://xmpp.org/extensions/xep-0050.html#disco
    return xml(
      'query',
      { xmlns: NS_DISCO_INFO, node },
      xml('identity', { category: 'automation', type: 'command-node', name: command.name }),
      xml('feature', { var: NS_COMMANDS }),
      xml('feature', { var: NS_DATA }),
    );
  };

  const items = async ({ element, from }: { element: Element; from: string }) => {
    const node = element.attrs.node;
    if (node && node !== NS_COMMANDS) return new StanzaError('item-not-found');
    return xml(
      'query',
      { xmlns: NS_DISCO_ITEMS, node },
      ...o.commands(from).map((c) => xml('item', { jid: o.jid, node: c.node, name: c.name })),
    );
  };

  return [
    { type: 'get', ns: NS_DISCO_INFO, name: 'query', handler: info, features: [] },
    { type: 'get', ns: NS_DISCO_ITEMS, name: 'query', handler: items, features: [] },
  ];
}
