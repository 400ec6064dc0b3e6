import net from 'node:net';
import { expect, it } from '@jest/globals';
import { xml } from '@xmpp/component';
import { acceptComponent } from '../harness/fakes/component-port.js';
import { createLogger } from '../lib/log.js';
import { until } from '../test/stack.js';
import { createConnection } from './connection.js';
import { parse } from './test-kit.js';

it('drops a stanza with an address xmpp.js cannot read, instead of throwing out of the socket handler', async () => {
  const lines: string[] = [];
  const connection = createConnection({
    jid: 'push.localhost',
    secret: 'unused',
    server: '127.0.0.1:9',
    reconnectInitialMs: 1000,
    reconnectMaxMs: 1000,
    log: createLogger('warn', { write: (line: string) => lines.push(line) }),
  });
  const seen: string[] = [];
  connection.xmpp.middleware.use((ctx, next) => {
    seen.push(ctx.stanza.attrs.id);
    return next();
  });
  for (const from of ['romeo@', '/phone', 'romeo@/phone', 'romeo@localhost/phone']) {
    // What the link's parser calls for each stanza it reads off the socket.
    connection.xmpp._onElement(parse(`<message from='${from}' to='push.localhost' id='${from}'/>`));
  }
  expect(seen).toEqual(['romeo@localhost/phone']);
  expect(lines.filter((l) => l.includes('dropped a stanza'))).toHaveLength(3);
  await connection.stop();
});

it('sends what is sent in one turn of the event loop in one socket write', async () => {
  let received = '';
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    acceptComponent(socket, { domain: 'push.localhost', secret: 's3cret' }, () => (chunk) => {
      received += chunk;
      if (chunk.includes('</stream:stream>')) socket.end('</stream:stream>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const connection = createConnection({
    jid: 'push.localhost',
    secret: 's3cret',
    server: `127.0.0.1:${port}`,
    reconnectInitialMs: 1000,
    reconnectMaxMs: 1000,
    log: createLogger('warn', { write: () => undefined }),
  });
  try {
    connection.start();
    await connection.waitOnline();
    const socket = connection.xmpp.socket as unknown as net.Socket;
    const writes: number[] = [];
    for (const name of ['_write', '_writev'] as const) {
      const original = socket[name]?.bind(socket) as (...a: unknown[]) => void;
      (socket as unknown as Record<string, unknown>)[name] = (
        chunks: unknown,
        ...rest: unknown[]
      ) => {
        writes.push(Array.isArray(chunks) ? chunks.length : 1);
        original(chunks, ...rest);
      };
    }
    const burst = (from: number) =>
      Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          connection.xmpp.send(xml('message', { to: 'romeo@localhost', id: `m${from + i}` })),
        ),
      );
    await burst(0);
    await burst(5);
    await until(async () => (received.match(/<message /g) ?? []).length === 10, 5000);
    // Two turns, two writes of five stanzas each (one write per stanza before).
    expect(writes).toEqual([5, 5]);
  } finally {
    await connection.stop();
    server.close();
  }
});
