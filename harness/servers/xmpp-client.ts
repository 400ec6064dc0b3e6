// Test clients on top of @xmpp/client 0.14: PLAIN on loopback, no TLS, no auto-reconnect.
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { type Client, client, xml } from '@xmpp/client';
import type StanzaError from '@xmpp/middleware/lib/StanzaError.js';
import type { Element } from '@xmpp/xml';

/** What iq() rejects with on an error reply: `condition`, `type`, `element` (the `<error/>`). */
export type { Element, StanzaError };
export { xml };

export const NS_PUSH = 'urn:xmpp:push:0';
export const NS_DATA = 'jabber:x:data';
export const NS_COMMANDS = 'http://jabber.org/protocol/commands';
export const NS_SM = 'urn:xmpp:sm:3';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const NS_STREAMS = 'http://etherx.jabber.org/streams';
const PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';

export interface ConnectOptions {
  port: number;
  username: string;
  password: string;
  /** Default 'localhost'. */
  domain?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  resource?: string;
  /** XEP-0198 (default false: @xmpp/client 0.14 sometimes acks wrong counts). */
  streamManagement?: boolean;
  /** Send initial presence once online (default true). */
  presence?: boolean;
  timeoutMs?: number;
}

export interface TestClient {
  /** The raw @xmpp/client entity. */
  readonly xmpp: Client;
  /** Full JID bound by the server. */
  readonly jid: string;
  /** Messages received and not yet taken by waitForMessage. */
  readonly received: Element[];
  /** Everything emitted on the client's 'error' event. */
  readonly errors: Error[];
  /** Sends an `<iq>`; resolves with the result `<iq>`, rejects with a StanzaError (`condition`, `type`, `element`). */
  iq(stanza: Element, timeoutMs?: number): Promise<Element>;
  sendMessage(to: string, body: string, type?: string): Promise<void>;
  /** First received message (earlier ones included) matching `predicate` (default: has a body). */
  waitForMessage(predicate?: (msg: Element) => boolean, timeoutMs?: number): Promise<Element>;
  /** XEP-0357 enable, with a publish-options form carrying `secret` when given. */
  enablePush(o: { jid: string; node: string; secret?: string }): Promise<Element>;
  disablePush(o: { jid: string; node?: string }): Promise<Element>;
  /**
   * XEP-0050 `execute`, with `fields` as a submitted form (each field with `fieldType` when
   * given, as some clients write it); resolves with the `<command>` element.
   */
  executeCommand(
    to: string,
    node: string,
    fields?: Record<string, string | string[]>,
    fieldType?: string,
  ): Promise<Element>;
  /**
   * Finds a push service as Tigase-family clients (Siskin IM) do: disco#items on `domain`, then
   * disco#info on each item, for identity pubsub/push with all of `features`.
   */
  findPushService(domain: string, features: readonly string[]): Promise<string>;
  /** Drops the TCP connection without closing the stream: the server hibernates the session. */
  hibernate(): Promise<void>;
  /** Closes the stream and the socket; never throws. */
  stop(): Promise<void>;
}

const field = (name: string, value: string | string[], type?: string) =>
  xml('field', { var: name, type }, ...[value].flat().map((v) => xml('value', {}, v)));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function connectClient(o: ConnectOptions): Promise<TestClient> {
  const { username, password } = o;
  const xmpp = client({
    service: `xmpp://${o.host ?? '127.0.0.1'}:${o.port}`,
    domain: o.domain ?? 'localhost',
    resource: o.resource,
    username,
    password,
    credentials: (authenticate) =>
      authenticate({ username, password }, 'PLAIN', xml('user-agent', { id: randomUUID() })),
  });
  xmpp.reconnect.stop();
  const errors: Error[] = [];
  xmpp.on('error', (err: Error) => errors.push(err));
  if (!o.streamManagement) {
    // Hide the feature before the stream-features middleware sees it: no <enable/> is sent.
    xmpp.prependListener('element', (el: Element) => {
      if (el.is('features', NS_STREAMS)) el.remove('sm', NS_SM);
    });
  }

  const received: Element[] = [];
  const waiters = new Set<{ match: (m: Element) => boolean; done: (m: Element) => void }>();
  xmpp.on('stanza', (stanza: Element) => {
    if (stanza.name !== 'message') return;
    for (const w of waiters) {
      if (w.match(stanza)) return w.done(stanza);
    }
    received.push(stanza);
  });

  /** Drops the TCP connection (xmpp:// runs on a node:net Socket) without closing the stream. */
  const drop = () => {
    if (xmpp.socket instanceof Socket) xmpp.socket.destroy();
  };
  let gone = false;
  const stop = async () => {
    if (gone) return;
    gone = true;
    xmpp.reconnect.stop();
    await withTimeout(xmpp.stop(), 3000, 'stop').catch(drop);
  };

  try {
    await withTimeout(xmpp.start(), o.timeoutMs ?? 10_000, 'start');
    // 'online' fires after resource binding, while <enable/> may still be in flight.
    for (let i = 0; o.streamManagement && !xmpp.streamManagement.enabled; i++) {
      if (i > 100) throw new Error('the server did not enable XEP-0198 stream management');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (o.presence ?? true) await xmpp.send(xml('presence'));
  } catch (err) {
    await stop();
    const detail = errors.map((e) => e.message).join('; ');
    throw new Error(`connect ${username} to port ${o.port}: ${(err as Error).message} ${detail}`);
  }

  const iq = (stanza: Element, timeoutMs = 10_000) => xmpp.iqCaller.request(stanza, timeoutMs);

  return {
    xmpp,
    jid: String(xmpp.jid),
    received,
    errors,
    iq,
    async sendMessage(to, body, type = 'chat') {
      await xmpp.send(xml('message', { to, type }, xml('body', {}, body)));
    },
    waitForMessage(predicate = (m) => m.getChild('body') !== undefined, timeoutMs = 5000) {
      const i = received.findIndex(predicate);
      if (i >= 0) return Promise.resolve(received.splice(i, 1)[0] as Element);
      return new Promise((resolve, reject) => {
        const w = {
          match: predicate,
          done: (m: Element) => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${username}: no matching message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    enablePush({ jid, node, secret }) {
      const enable = xml('enable', { xmlns: NS_PUSH, jid, node });
      if (secret !== undefined) {
        enable.append(
          xml(
            'x',
            { xmlns: NS_DATA, type: 'submit' },
            field('FORM_TYPE', PUBLISH_OPTIONS),
            field('secret', secret),
          ),
        );
      }
      return iq(xml('iq', { type: 'set' }, enable));
    },
    disablePush({ jid, node }) {
      return iq(xml('iq', { type: 'set' }, xml('disable', { xmlns: NS_PUSH, jid, node })));
    },
    async findPushService(domain, features) {
      const disco = (to: string, xmlns: string): Promise<Element> =>
        iq(xml('iq', { type: 'get', to }, xml('query', { xmlns })));
      const items = await disco(domain, NS_DISCO_ITEMS);
      const jids = (items.getChild('query')?.getChildren('item') ?? []).map((i) => i.attrs.jid);
      for (const jid of jids) {
        const query = (await disco(jid, NS_DISCO_INFO)).getChild('query');
        const push = query
          ?.getChildren('identity')
          .some((i) => i.attrs.category === 'pubsub' && i.attrs.type === 'push');
        const has = new Set(query?.getChildren('feature').map((f) => f.attrs.var));
        if (push && features.every((f) => has.has(f))) return jid;
      }
      throw new Error(`no push service with ${features.join(' and ')} on ${domain}`);
    },
    async executeCommand(to, node, fields, fieldType) {
      const cmd = xml('command', { xmlns: NS_COMMANDS, node, action: 'execute' });
      if (fields) {
        const form = Object.entries(fields).map(([k, v]) => field(k, v, fieldType));
        cmd.append(xml('x', { xmlns: NS_DATA, type: 'submit' }, ...form));
      }
      const res = await iq(xml('iq', { type: 'set', to }, cmd));
      const out = res.getChild('command', NS_COMMANDS);
      if (!out) throw new Error(`executeCommand ${node}: no <command> in ${res.toString()}`);
      return out;
    },
    async hibernate() {
      if (!xmpp.streamManagement.enabled) {
        throw new Error('hibernate() needs streamManagement: true (and the server enabling it)');
      }
      gone = true;
      xmpp.reconnect.stop();
      const closed = new Promise((resolve) => xmpp.once('disconnect', resolve));
      drop();
      await withTimeout(closed, 3000, 'hibernate');
    },
    stop,
  };
}
