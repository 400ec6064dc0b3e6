// harness/servers/proc.ts tcpConnectionsOf: the fault suite tells a killed process's sends by the
// connections it had open at the kill.
import { once } from 'node:events';
import { expect, it } from '@jest/globals';
import { loopbackPair } from '../harness/servers/ports.js';
import { tcpConnectionsOf } from '../harness/servers/proc.js';

it("lists a process's TCP connections as ourPort>theirPort", async () => {
  const { client, port, close } = await loopbackPair();
  const local = client.localPort;
  try {
    const ours = tcpConnectionsOf(process.pid);
    expect(ours).toContain(`${local}>${port}`);
    expect(ours).toContain(`${port}>${local}`);
    close();
    await once(client, 'close');
    expect(tcpConnectionsOf(process.pid)).not.toContain(`${local}>${port}`);
  } finally {
    close();
  }
});
