// @xmpp/component 0.13 ships no types and DefinitelyTyped has none: its entity, composed from the
// @types packages of the parts it is built from (xmpp.js packages/component/index.js).
declare module '@xmpp/component' {
  import type { Socket } from 'node:net';
  import type Connection from '@xmpp/connection';
  import type { SocketBase } from '@xmpp/connection';
  import type { IQCallee } from '@xmpp/iq/callee.js';
  import type { IQCaller } from '@xmpp/iq/caller.js';
  import type { IncomingContext, Middleware } from '@xmpp/middleware';
  import type { Reconnect } from '@xmpp/reconnect';
  import type xmppXml from '@xmpp/xml';
  import type { Element, Node } from '@xmpp/xml';

  export type { Element };

  /** What an IQ handler gets: @xmpp/iq's callee adds `element`, the request's one child. */
  export type IqContext = IncomingContext<Component> & { element: Element };

  /**
   * An element becomes the result's payload (an `<error/>` the error), `true` an empty result,
   * a falsy value service-unavailable.
   */
  export type IqHandler = (
    ctx: IqContext,
    next: () => Promise<unknown>,
  ) => Promise<Element | true | undefined> | Element | true | undefined;

  export interface Component extends Connection {
    entity: Component;
    /** connection-tcp's socket. */
    socket:
      | (SocketBase & Pick<Socket, 'setNoDelay' | 'pause' | 'resume' | 'cork' | 'uncork'>)
      | null;
    reconnect: Reconnect<Component>;
    /** @xmpp/connection's dispatch of each element its parser reads (bound on first connect). */
    _onElement(element: Element): void;
    middleware: Middleware<Component>;
    iqCaller: IQCaller<Component>;
    /** IQCallee, its handlers typed with the `element` it gives them. */
    iqCallee: Record<keyof IQCallee<Component>, (ns: string, name: string, h: IqHandler) => void>;
  }

  export function component(options: {
    service: string;
    domain: string;
    password: string;
  }): Component;

  /**
   * @xmpp/xml's factory. Like ltx's createElement underneath, it also takes arrays of children and
   * skips null, undefined and false ones, which @types/ltx leaves out.
   */
  export function xml(
    name: string,
    attrs?: Parameters<typeof xmppXml>[1] | null,
    ...children: Array<Node | Node[] | null | undefined | false>
  ): Element;
}
