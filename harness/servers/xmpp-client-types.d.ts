// Types for @xmpp/client 0.14 (ESM, ships none): the parts the test helpers use.
declare module '@xmpp/client' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  export interface Element {
    name: string;
    attrs: Record<string, string | undefined>;
    children: Array<Element | string>;
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getText(): string;
    text(): string;
    getChildText(name: string, xmlns?: string): string | null;
    append(...children: Array<Element | string>): Element;
    remove(el: Element | string, xmlns?: string): Element;
    toString(): string;
  }

  export type XmlFactory = (
    name: string,
    attrs?: Record<string, string | number | undefined> | null,
    ...children: Array<Element | string | undefined | null | false | Array<Element>>
  ) => Element;

  export interface JID {
    local: string;
    domain: string;
    resource: string;
    bare(): JID;
    toString(): string;
  }

  /** Errors from iqCaller (StanzaError) and stream/SASL errors. */
  export interface XMPPError extends Error {
    condition: string;
    text?: string;
    type?: string;
    element?: Element;
  }

  export type Authenticate = (
    credentials: { username: string; password: string },
    mechanism: string,
  ) => Promise<void>;

  export interface ClientOptions {
    service: string;
    domain?: string;
    resource?: string;
    username?: string;
    password?: string;
    credentials?: (authenticate: Authenticate, mechanisms: string[]) => Promise<void>;
    timeout?: number;
  }

  export interface StreamManagement extends EventEmitter {
    enabled: boolean;
    id: string;
    inbound: number;
    outbound: number;
    timeout: number;
    requestAckInterval: number;
  }

  export interface Client extends EventEmitter {
    status: string;
    jid: JID | null;
    socket: (Socket & { secure?: boolean }) | null;
    timeout: number;
    reconnect: EventEmitter & { delay: number; start(): void; stop(): void };
    iqCaller: {
      request(stanza: Element, timeout?: number): Promise<Element>;
      get(el: Element, to?: string, timeout?: number): Promise<Element | undefined>;
      set(el: Element, to?: string, timeout?: number): Promise<Element | undefined>;
    };
    iqCallee: {
      get(ns: string, name: string, handler: (ctx: unknown) => unknown): void;
      set(ns: string, name: string, handler: (ctx: unknown) => unknown): void;
    };
    streamManagement: StreamManagement;
    start(): Promise<JID>;
    stop(): Promise<unknown>;
    disconnect(): Promise<unknown>;
    send(el: Element): Promise<void>;
    sendMany(els: Element[]): Promise<void>;
  }

  export function client(options: ClientOptions): Client;
  export const xml: XmlFactory;
  export function jid(address: string): JID;
}
