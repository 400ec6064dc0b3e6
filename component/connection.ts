// XEP-0114: Jabber Component Protocol — the link to the XMPP server, kept up with backoff.
import { EventEmitter } from 'node:events';
import { type Component, component } from '@xmpp/component';
import { reconnectDelayMs } from '../lib/backoff.js';
import { corkForThisTurn } from '../lib/cork.js';
import { ComponentAuthError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';

export interface ConnectionOptions {
  jid: string;
  secret: string;
  /** host:port of the server's component listener. */
  server: string;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  log: Logger;
}

export interface Connection
  extends EventEmitter<{
    online: [];
    offline: [];
    fatal: [ComponentAuthError];
  }> {
  readonly xmpp: Component;
  readonly online: boolean;
  readonly reconnects: number;
  /** Starts connecting; failures are retried with backoff until `stop()` or a fatal error. */
  start(): void;
  /** Resolves once online; rejects on a fatal error. */
  waitOnline(): Promise<void>;
  stop(): Promise<void>;
}

/** Stream errors that mean our credentials or domain are wrong: retrying cannot help. */
const FATAL = new Set(['not-authorized', 'host-unknown', 'invalid-namespace']);

export function createConnection(o: ConnectionOptions): Connection {
  const xmpp = component({ service: `xmpp://${o.server}`, domain: o.jid, password: o.secret });
  // The library retries every second forever, even after not-authorized; we schedule instead.
  xmpp.reconnect.stop();
  // xmpp.js parses each stanza's `to` and `from` while dispatching it; an address without a
  // domain ('romeo@', '/phone') throws out of the socket's data handler and would end the
  // process. Such a stanza cannot be answered either: it is dropped.
  const dispatch = xmpp._onElement.bind(xmpp);
  xmpp._onElement = (element) => {
    try {
      dispatch(element);
    } catch (err) {
      o.log.warn({ reason: (err as Error).message, stanza: element.name }, 'dropped a stanza');
    }
  };
  // What is sent in one turn of the event loop leaves in one write. Answers come in bursts (the
  // store answers a batch of publishes at once), and each write is a system call here and a
  // wake-up of the server; Nagle is off (below), so without this every answer is its own packet.
  const write = xmpp.write.bind(xmpp);
  xmpp.write = (text: string) => {
    if (xmpp.socket) corkForThisTurn(xmpp.socket);
    return write(text);
  };
  const events = new EventEmitter() as Connection;
  let attempt = 0;
  let stopped = true;
  let fatal: ComponentAuthError | undefined;
  let timer: NodeJS.Timeout | undefined;
  let online = false;
  let reconnects = 0;

  const where = `${o.server} as ${o.jid}`;

  function schedule(): void {
    if (stopped || fatal || timer) return;
    const delay = reconnectDelayMs(++attempt, o.reconnectInitialMs, o.reconnectMaxMs);
    o.log.info({ delayMs: delay, attempt }, `reconnecting to the XMPP server at ${where}`);
    timer = setTimeout(connect, delay);
  }

  async function connect(): Promise<void> {
    timer = undefined;
    if (stopped || fatal) return;
    try {
      if (xmpp.status === 'offline') await xmpp.start();
      else await xmpp.reconnect.reconnect();
    } catch {
      // Reported through the 'error' listener; the disconnect (or this) schedules the retry.
      if (xmpp.status !== 'online') schedule();
    }
  }

  xmpp.on('error', (err: Error & { condition?: string; code?: string }) => {
    if (err.condition && FATAL.has(err.condition)) {
      fatal = new ComponentAuthError(
        `the XMPP server at ${o.server} refused the component ${o.jid} (${err.condition}): ` +
          'check that its component secret and domain match component.secret and component.jid',
        { cause: err },
      );
      o.log.fatal(fatal.message);
      clearTimeout(timer);
      events.emit('fatal', fatal);
      void xmpp.stop().catch(() => undefined);
      return;
    }
    o.log.warn({ reason: err.condition ?? err.code ?? err.message }, `XMPP link error (${where})`);
  });
  xmpp.on('online', () => {
    // IQ answers are small: do not let Nagle's algorithm hold them back.
    xmpp.socket?.setNoDelay(true);
    if (attempt > 0) reconnects++;
    attempt = 0;
    online = true;
    o.log.info(`connected to the XMPP server at ${where}`);
    events.emit('online');
  });
  xmpp.on('disconnect', () => {
    if (online) {
      online = false;
      o.log.warn(`lost the XMPP server at ${where}`);
      events.emit('offline');
    }
    schedule();
  });

  Object.defineProperties(events, {
    online: { get: () => online },
    reconnects: { get: () => reconnects },
  });
  return Object.assign(events, {
    xmpp,
    start() {
      stopped = false;
      void connect();
    },
    waitOnline() {
      if (fatal) return Promise.reject(fatal);
      if (online) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const ok = () => {
          events.off('fatal', fail);
          resolve();
        };
        const fail = (err: ComponentAuthError) => {
          events.off('online', ok);
          reject(err);
        };
        events.once('online', ok);
        events.once('fatal', fail);
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      online = false;
      await xmpp.stop().catch(() => undefined);
    },
  });
}
