import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from '@jest/globals';
import { createTestApnsKey } from '../harness/fakes/apns-server.js';
import { createLogger } from '../lib/log.js';
import { parseConfig } from './config.js';
import { createSenders } from './providers.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const apnsApp = (name: string, key: string, more = '') => `
[[apps]]
name = "${name}"
provider = "apns"
key_file = "${key}.p8"
key_id = "${key.toUpperCase().padEnd(10, '0')}"
team_id = "TEAM123456"
topic = "org.example.${name}"
${more}`;

it('shares one connection per APNs key and environment, and one FCM client per project', async () => {
  dir = mkdtempSync(join(tmpdir(), 'xpr-senders-'));
  for (const k of ['one', 'two']) writeFileSync(join(dir, `${k}.p8`), createTestApnsKey().key);
  const account = (project: string) =>
    JSON.stringify({
      project_id: project,
      client_email: `relay@${project}.iam.gserviceaccount.com`,
      private_key: createTestApnsKey().key,
    });
  writeFileSync(join(dir, 'p1.json'), account('p1'));
  writeFileSync(join(dir, 'p2.json'), account('p2'));
  const fcmApp = (name: string, file: string, more = '') =>
    `\n[[apps]]\nname = "${name}"\nprovider = "fcm"\nservice_account_file = "${file}"\n${more}`;
  const config = parseConfig(
    apnsApp('a', 'one') +
      apnsApp('b', 'one') + // same key and environment as a: one session
      apnsApp('c', 'one', 'environment = "sandbox"\n') + // same key, the other environment
      apnsApp('d', 'two', 'environment = "both"\n') + // its own key, both environments
      fcmApp('e', 'p1.json') +
      fcmApp('f', 'p1.json') + // same project as e: one client
      fcmApp('g', 'p2.json', 'max_connections = 3\n'),
    dir,
    {},
  );
  const { apps, senders, connections } = createSenders(config, createLogger('silent'));
  try {
    expect([...senders.keys()]).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    // a+b, c, d production, d sandbox, e+f, g
    expect(connections).toHaveLength(6);
    expect(apps.of({ provider: 'apns', app: 'd' })?.environments).toEqual([
      'production',
      'sandbox',
    ]);
    expect(apps.of({ provider: 'apns' })).toBeUndefined();
    // FCM sends at once: the default for e+f, g's own.
    expect(connections.filter((c) => c.name === 'fcm').map((c) => c.maxInFlight)).toEqual([128, 3]);
  } finally {
    await Promise.all(connections.map((c) => c.close()));
  }
});
