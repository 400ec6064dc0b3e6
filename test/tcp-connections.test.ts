// harness/servers/proc.ts tcpConnectionsOf: the fault suite tells a killed process's sends by the
// connections it had open at the kill.
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { expect, it } from '@jest/globals';
import { tcpConnectionsOf } from '../harness/servers/proc.js';

it("lists a process's TCP connections as ourPort>theirPort", async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  const local = client.localPort;
  try {
    const ours = tcpConnectionsOf(process.pid);
    expect(ours).toContain(`${local}>${port}`);
    expect(ours).toContain(`${port}>${local}`);
    client.destroy();
    peer.destroy();
    await once(client, 'close');
    expect(tcpConnectionsOf(process.pid)).not.toContain(`${local}>${port}`);
  } finally {
    client.destroy();
    peer.destroy();
    server.close();
  }
});
