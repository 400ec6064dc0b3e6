import type { Component, Element, IqContext } from '@xmpp/component';
import type { Logger } from '../lib/log.js';
import { type RepeatedErrors, repeatedErrors } from '../lib/repeats.js';
import { backpressureGate } from './backpressure.js';
import { StanzaError } from './stanza-error.js';

/** A validated IQ request as handlers see it. */
export interface IqRequest {
  /** The sender's full JID as the XMPP server stamped it. */
  from: string;
  /** The single child element (the payload). */
  element: Element;
  stanza: Element;
}

/** A handler's answer: a payload for the result (or nothing), or a stanza error. */
export type Reply = Element | undefined | StanzaError;

export interface IqRoute {
  type: 'get' | 'set';
  ns: string;
  name: string;
  handler: (req: IqRequest) => Promise<Reply>;
  /** Disco features this route implements; disco#info is derived from the routes. */
  features: string[];
  /**
   * The handler keeps only bounded parts of its payload (a publish cuts its text), so a stanza
   * over `maxStanzaBytes` is handled rather than refused: the XMPP server already took it.
   */
  anySize?: boolean;
}

export interface RouterOptions {
  log: Logger;
  maxStanzaBytes: number;
}

export interface LinkOptions extends RouterOptions {
  /** IQs in flight at most; past it the socket is not read until half are answered. */
  maxInFlight: number;
}

/**
 * Registers routes with the library's IQ callee — the only place IQs are answered, so every
 * request gets exactly one reply. A throw becomes `internal-server-error` (type wait: our trouble
 * must never make a server disable a user's push); an oversize command becomes `policy-violation`.
 */
export function registerRoutes(xmpp: Component, routes: IqRoute[], o: LinkOptions): void {
  const gate = backpressureGate(xmpp, o.maxInFlight, (paused) =>
    o.log.debug({ inFlight: o.maxInFlight }, paused ? 'XMPP socket paused' : 'XMPP socket resumed'),
  );
  for (const route of routes) {
    xmpp.iqCallee[route.type](route.ns, route.name, async (ctx: IqContext) => {
      const reply = await gate.run(() => runRoute(route, ctx.stanza, ctx.element, o));
      if (reply instanceof StanzaError) return reply.toElement();
      // The callee answers a falsy reply with service-unavailable; `true` is an empty result.
      return reply ?? true;
    });
  }
}

/**
 * Whether `el` written out takes more than `max` bytes (markup, attributes and text; escapes
 * not counted), found by walking it instead of serializing every stanza; stops once over.
 */
export function exceedsBytes(el: Element, max: number): boolean {
  let budget = max;
  const walk = (e: Element): boolean => {
    budget -= 2 * e.name.length + 5;
    for (const [k, v] of Object.entries(e.attrs)) {
      if (v !== undefined && v !== null) budget -= k.length + Buffer.byteLength(String(v)) + 4;
    }
    for (const child of e.children) {
      budget -= typeof child === 'string' ? Buffer.byteLength(child) : 0;
      if (budget < 0 || (typeof child !== 'string' && walk(child))) return true;
    }
    return budget < 0;
  };
  return walk(el);
}

/**
 * Failures per logger: when the store is away every publish fails the same way, up to thousands
 * a second; the first is logged with its stack, the rest counted every 10 s.
 */
const failures = new WeakMap<Logger, RepeatedErrors>();

function failureLog(log: Logger): RepeatedErrors {
  let f = failures.get(log);
  if (!f) {
    f = repeatedErrors(log);
    failures.set(log, f);
  }
  return f;
}

/**
 * A handler that has not answered by then (a call that never settles) is answered
 * `internal-server-error` (wait): the request is never left unanswered, and it stops counting
 * toward `max_in_flight`, so that a stuck one cannot keep the socket paused. Remote relays take
 * 10 s at most (two tries of 5 s).
 */
export const ANSWER_WITHIN_MS = 15_000;

/** Runs one route for an IQ `stanza` whose payload is `element`; never throws, always settles. */
export async function runRoute(
  route: IqRoute,
  stanza: Element,
  element: Element,
  o: RouterOptions,
): Promise<Reply> {
  const from = stanza.attrs.from;
  if (!from) return new StanzaError('bad-request', 'missing from');
  if (!route.anySize && exceedsBytes(stanza, o.maxStanzaBytes)) {
    return new StanzaError('policy-violation', 'stanza too large');
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Reply>((resolve) => {
    timer = setTimeout(() => {
      failureLog(o.log).error(
        new Error(`no answer within ${ANSWER_WITHIN_MS} ms`),
        { ns: route.ns, name: route.name },
        'IQ handler did not answer in time',
      );
      resolve(new StanzaError('internal-server-error'));
    }, ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([route.handler({ from, element, stanza }), late]);
  } catch (err) {
    failureLog(o.log).error(err, { ns: route.ns, name: route.name }, 'IQ handler failed');
    return new StanzaError('internal-server-error');
  } finally {
    clearTimeout(timer);
  }
}
