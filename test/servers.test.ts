// End-to-end check of the server harness: real Prosody and ejabberd, a component, clients.
import fs from 'node:fs';
import { type Component, component, xml as cxml, type Element } from '@xmpp/component';
import { startEjabberd } from '../harness/servers/ejabberd.js';
import { pidAlive, processesMatching, type XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import { componentHandshake } from '../harness/servers/raw-component.js';
import {
  connectClient,
  NS_DATA,
  NS_PUSH,
  type TestClient,
  xml,
} from '../harness/servers/xmpp-client.js';

const SECRET = 'harness-secret';
// jest ignores `testTimeout` inside `projects` entries: the default 5 s applies unless set here.
const T = 30_000;
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';

interface Echo {
  comp: Component;
  /** The pubsub `<iq>`s the server sent (XEP-0357 notifications). */
  publishes: Element[];
}

/** A minimal component: answers disco#info and publishes, echoes message bodies. */
async function startEcho(server: XmppServer): Promise<Echo> {
  const comp = component({
    service: `xmpp://127.0.0.1:${server.componentPort}`,
    domain: server.componentDomain,
    password: server.componentSecret,
  });
  comp.reconnect.delay = 200;
  comp.on('error', () => {});
  const publishes: Element[] = [];
  comp.iqCallee.get(NS_DISCO_INFO, 'query', () =>
    cxml(
      'query',
      { xmlns: NS_DISCO_INFO },
      cxml('identity', { category: 'pubsub', type: 'push', name: 'echo' }),
      cxml('feature', { var: NS_PUSH }),
    ),
  );
  comp.iqCallee.set(NS_PUBSUB, 'pubsub', (ctx) => {
    publishes.push(ctx.stanza);
    return cxml('pubsub', { xmlns: NS_PUBSUB });
  });
  comp.on('stanza', (st: Element) => {
    const body = st.is('message') && st.attrs.type !== 'error' && st.getChildText('body');
    if (!body) return;
    const reply = cxml('body', {}, `echo: ${body}`);
    comp.send(cxml('message', { to: st.attrs.from, from: st.attrs.to, type: 'chat' }, reply));
  });
  await comp.start();
  return { comp, publishes };
}

async function until<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const servers: Array<[string, () => Promise<XmppServer>]> = [
  ['prosody', () => startProsody({ componentSecret: SECRET })],
  ['ejabberd', () => startEjabberd({ componentSecret: SECRET })],
];

describe.each(servers)('%s harness', (_name, start) => {
  let server: XmppServer;
  let echo: Echo;
  const clients: TestClient[] = [];
  const connect = async (username: string, streamManagement = false) => {
    const password = `pw-${username}`;
    const c = await connectClient({ port: server.c2sPort, username, password, streamManagement });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await start();
    await server.registerMany(['alice', 'bob', 'carol'].map((u) => [u, `pw-${u}`] as const));
    echo = await startEcho(server);
  }, 2 * T);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await echo?.comp.stop().catch(() => {});
    await server?.stop();
  }, T);

  test(
    'component and clients exchange stanzas',
    async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      const info = await alice.iq(
        xml('iq', { type: 'get', to: 'push.localhost' }, xml('query', { xmlns: NS_DISCO_INFO })),
      );
      expect(info.getChild('query', NS_DISCO_INFO)?.getChild('identity')?.attrs.type).toBe('push');
      await alice.sendMessage('push.localhost', 'ping');
      expect((await alice.waitForMessage()).getChildText('body')).toBe('echo: ping');
      await alice.sendMessage('bob@localhost', 'hi bob');
      const msg = await bob.waitForMessage();
      expect(msg.getChildText('body')).toBe('hi bob');
      expect(msg.attrs.from).toBe(alice.jid);
      const bad = { port: server.c2sPort, username: 'alice', password: 'wrong' };
      await expect(connectClient(bad)).rejects.toThrow(/not-authorized/);
    },
    T,
  );

  test(
    'hibernated XEP-0198 session: the server publishes to the component',
    async () => {
      const carol = await connect('carol', true);
      expect(carol.xmpp.streamManagement.enabled).toBe(true);
      await carol.enablePush({ jid: 'push.localhost', node: 'node-1', secret: 'tok' });
      await carol.hibernate();
      const bob = await connect('bob');
      await bob.sendMessage('carol@localhost', 'wake up');
      const iq = await until(() => echo.publishes[0], 10_000, 'a push');
      const pubsub = iq.getChild('pubsub', NS_PUBSUB);
      expect(pubsub?.getChild('publish')?.attrs.node).toBe('node-1');
      const form = pubsub?.getChild('publish-options')?.getChild('x', NS_DATA);
      const secret = form?.getChildren('field').find((f) => f.attrs.var === 'secret');
      expect(secret?.getChildText('value')).toBe('tok');
    },
    T,
  );

  test(
    'a wrong component secret is refused',
    async () => {
      const r = await componentHandshake(server.componentPort, server.componentDomain, 'wrong');
      expect(r.accepted).toBe(false);
      expect(r.transcript).toMatch(/not-authorized/);
    },
    T,
  );

  test(
    'restart keeps ports and users; the component reconnects',
    async () => {
      const oldPid = server.pid;
      const back = new Promise((resolve) => echo.comp.once('online', resolve));
      await server.restart();
      expect(server.pid).toBeDefined();
      expect(server.pid).not.toBe(oldPid);
      expect(pidAlive(oldPid as number)).toBe(false);
      await back;
      await server.register('dave', 'pw-dave');
      await expect(server.register('alice', 'other')).rejects.toThrow();
      await (await connect('dave')).stop();
      const alice = await connect('alice');
      await alice.sendMessage('push.localhost', 'again');
      expect((await alice.waitForMessage()).getChildText('body')).toBe('echo: again');
    },
    T,
  );

  test(
    'stop leaves no process and no temp dir',
    async () => {
      await Promise.all(clients.map((c) => c.stop()));
      await echo.comp.stop().catch(() => {});
      const { pid, dir } = server;
      await server.stop();
      expect(pidAlive(pid as number)).toBe(false);
      expect(processesMatching(dir)).toEqual([]);
      expect(fs.existsSync(dir)).toBe(false);
    },
    T,
  );
});
