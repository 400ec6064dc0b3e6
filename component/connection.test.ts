import { expect, it } from '@jest/globals';
import { createLogger } from '../lib/log.js';
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
