import net from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { log, memoryKit } from '../../component/test-kit.js';
import { createHttpApi } from './server.js';

let app: FastifyInstance | undefined;
let kit: ReturnType<typeof memoryKit> | undefined;
afterEach(async () => {
  await app?.close();
  await kit?.store.close();
});

it('cuts a client that sends its request too slowly', async () => {
  kit = memoryKit();
  app = createHttpApi({
    service: kit.service,
    tokenPush: kit.tokenPush,
    store: kit.store,
    log,
    bodyLimit: 16_384,
    requestTimeoutMs: 300,
    trustProxy: false,
    misses: kit.limits.misses,
    limits: { requestsPerAccountPerMinute: 100, requestsPerAddressPerMinute: 100 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as net.AddressInfo;
  const socket = net.connect({ host: '127.0.0.1', port });
  let answer = '';
  socket.on('data', (c) => {
    answer += c.toString();
  });
  // Headers, then a body that never comes whole.
  socket.write(
    'POST /api/v1/messages/ HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n',
  );
  socket.write('Content-Length: 100\r\n\r\n{"token":');
  const started = Date.now();
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  expect(Date.now() - started).toBeLessThan(2000);
  // Node answers 408 when its request timer fires first, else the idle socket is just closed.
  expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  // A client that sends in time is served.
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/messages/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'ab'.repeat(20) }),
  });
  expect(res.status).toBe(404);
});
