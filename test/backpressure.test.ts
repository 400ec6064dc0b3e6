// A server that floods our process with publishes: past `[component] max_in_flight` the
// component stops reading its socket until half are answered, and still answers every publish
// and delivers every push. The XMPP server's side of XEP-0114 is played here over node:net, as
// only that lets a test send thousands of publishes in one write.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createRegistrar } from '../component/registrar.js';
import { type FakeApns, startFakeApns } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import { createLogger } from '../lib/log.js';
import { type Stack, startStack } from './stack.js';

const SECRET = 'flood-secret';
const DEVICES = 100;
const PUBLISHES = 3000;

/** Accepts one component stream, checks its handshake, then hands the socket over. */
function fakeServer(): Promise<{ port: number; linked: Promise<net.Socket>; close(): void }> {
  return new Promise((resolve) => {
    let link: (s: net.Socket) => void;
    const linked = new Promise<net.Socket>((r) => {
      link = r;
    });
    const server = net.createServer((socket) => {
      let text = '';
      const id = 'flood1';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('<stream:stream') && !text.includes('sent-header')) {
          text += 'sent-header';
          socket.write(
            `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='push.localhost' id='${id}'>`,
          );
        }
        const hs = /<handshake>([0-9a-f]+)<\/handshake>/.exec(text);
        if (!hs) return;
        const want = createHash('sha1')
          .update(id + SECRET)
          .digest('hex');
        if (hs[1] !== want) return socket.destroy();
        socket.off('data', onData);
        socket.write('<handshake/>');
        link(socket);
      };
      socket.on('data', onData);
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ port, linked, close: () => server.close() });
    });
  });
}

let apns: FakeApns;
let fcm: FakeFcm;
let stack: Stack;
let server: Awaited<ReturnType<typeof fakeServer>>;

beforeAll(async () => {
  [apns, fcm, server] = await Promise.all([startFakeApns(), startFakeFcm(), fakeServer()]);
  stack = await startStack({
    componentPort: server.port,
    componentSecret: SECRET,
    apns,
    fcm,
    maxInFlight: 20,
  });
});
afterAll(async () => {
  await stack?.destroy();
  server?.close();
  await Promise.all([apns?.close(), fcm?.close()]);
});

it('stops reading under a flood, answers every publish and delivers every device its push', async () => {
  const socket = await server.linked;
  const { running } = stack;
  const registrar = createRegistrar({
    ...running.relay,
    store: running.store,
    log: createLogger('silent'),
  });
  const regs: Array<{ node: string; secret?: string }> = [];
  for (let i = 0; i < DEVICES; i++) {
    const r = await registrar.register({
      jid: `user${i}@localhost`,
      deviceId: 'phone',
      provider: 'apns',
      deviceToken: i.toString(16).padStart(2, '0').repeat(32),
    });
    if ('refused' in r || 'over' in r) throw new Error('refused');
    regs.push(r);
  }
  const publishes = Array.from({ length: PUBLISHES }, (_, i) => {
    const r = regs[i % DEVICES] as (typeof regs)[number];
    return `<iq type='set' from='localhost' to='push.localhost' id='p${i}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${r.node}'><item><notification xmlns='urn:xmpp:push:0'/></item></publish><publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='secret'><value>${r.secret}</value></field></x></publish-options></pubsub></iq>`;
  });
  let answers = '';
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      answers += chunk.toString('utf8');
      if ((answers.match(/<iq /g) ?? []).length >= PUBLISHES) resolve();
    });
  });
  socket.write(publishes.join(''));
  await answered;
  expect((answers.match(/type=["']result["']/g) ?? []).length).toBe(PUBLISHES);
  // Every device gets its push (a burst for one device merges into fewer pushes).
  const tokens = new Set(regs.map((_, i) => i.toString(16).padStart(2, '0').repeat(32)));
  await apns.waitFor(
    () => tokens.size === new Set(apns.requests.map((r) => r.deviceToken)).size,
    15_000,
  );
  const log = readFileSync(stack.logFile, 'utf8');
  expect(log).toContain('XMPP socket paused');
  expect(log).toContain('XMPP socket resumed');
});
