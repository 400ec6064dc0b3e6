// Types for @xmpp/component 0.13 (CommonJS, ships none): the parts this project uses.
declare module '@xmpp/component' {
  import type { EventEmitter } from 'node:events';

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
    getChildText(name: string, xmlns?: string): string | null;
    append(...children: Array<Element | string>): Element;
    toString(): string;
  }

  export interface XmlFactory {
    (
      name: string,
      attrs?: Record<string, string | number | undefined> | null,
      ...children: Array<Element | string | undefined | null | false>
    ): Element;
    Element: new (name: string, attrs?: Record<string, string>) => Element;
  }

  export interface IqContext {
    stanza: Element;
    element: Element;
    from: { toString(): string; local: string; domain: string; resource: string } | null;
    to: { toString(): string } | null;
    id: string;
    type: string;
  }

  /** An element becomes the result's payload, `true` an empty result, a falsy value service-unavailable. */
  export type IqHandler = (
    ctx: IqContext,
  ) => Promise<Element | true | undefined> | Element | true | undefined;

  export interface Component extends EventEmitter {
    status: string;
    options: { service: string; domain: string };
    reconnect: EventEmitter & { delay: number; stop(): void; start(): void };
    iqCallee: {
      get(ns: string, name: string, h: IqHandler): void;
      set(ns: string, name: string, h: IqHandler): void;
    };
    iqCaller: { request(el: Element, timeout?: number): Promise<Element> };
    middleware: { use(fn: (ctx: IqContext, next: () => Promise<unknown>) => unknown): void };
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: Element): Promise<void>;
    write(s: string): Promise<void>;
  }

  export function component(options: {
    service: string;
    domain: string;
    password: string;
  }): Component;
  export const xml: XmlFactory;
  export function jid(s: string): {
    local: string;
    domain: string;
    resource: string;
    bare(): { toString(): string };
    toString(): string;
  };
}
