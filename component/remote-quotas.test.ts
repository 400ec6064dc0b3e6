// Pushes through another operator's relay are counted per user and per relay, so that one user
// cannot get this relay's address locked out there for everybody. A remote relay on a local
// port answers as the relay API does: 202 for its tokens, 404 (JSON) for unknown ones.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from '@jest/globals';
import { DEFAULT_QUOTAS, type QuotaLimits } from '../relay/quotas.js';
import { adhocRoute } from './adhoc.js';
import { diagnosticCommands } from './diagnostic-commands.js';
import { createRegistrar } from './registrar.js';
import { call, log, memoryKit, publishOver, publishXml, registrarOf } from './test-kit.js';

const KNOWN = 'ab'.repeat(20);
const UNKNOWN = 'cd'.repeat(20);

let remote: Server | undefined;
let kit: ReturnType<typeof memoryKit> | undefined;
afterEach(async () => {
  await kit?.store.close();
  await new Promise((r) => (remote ? remote.close(r) : r(undefined)));
});

/** The tokens posted to the remote relay's messages endpoint, in order. */
const posted: string[] = [];
let testPush: ReturnType<typeof adhocRoute>['route'] | undefined;

async function setup(quotas: Partial<QuotaLimits>) {
  posted.length = 0;
  remote = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const { token } = JSON.parse(body || '{}') as { token?: string };
      posted.push(token ?? '');
      const [status, detail] = token === KNOWN ? [202, 'Accepted.'] : [404, 'Not found.'];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ detail }));
    });
  });
  const server = remote;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  kit = memoryKit({
    quotas: { ...DEFAULT_QUOTAS, ...quotas },
    remotes: [{ name: 'other', url }],
  });
  const registrar = registrarOf(kit);
  const route = publishOver(kit);
  testPush = adhocRoute(
    diagnosticCommands({
      store: kit.store,
      targets: kit.targets,
      registrar: createRegistrar({ ...kit, log }),
      quotas: kit.quotas,
      admins: [],
      status: async () => [],
    }),
    kit.store.sessions,
  ).route;
  /** Registers `user` through the remote relay with `token`; returns a publish for it. */
  return async (user: string, token = KNOWN) => {
    const jid = `${user}@localhost`;
    const { node, secret } = await registrar.register({
      jid,
      provider: 'relay',
      relay: 'other',
      token,
      deviceId: 'phone',
    });
    return () => call(route, 'localhost', publishXml(node, secret));
  };
}

const waitError = (text: string) => ({ error: 'resource-constraint', type: 'wait', text });

it("counts a user's remote pushes: past the quota `wait`, the others still go", async () => {
  const register = await setup({ remotePushesPerUserPerMinute: 2 });
  const romeo = await register('romeo');
  const juliet = await register('juliet');
  expect(await romeo()).toEqual({ result: undefined });
  expect(await romeo()).toEqual({ result: undefined });
  expect(await romeo()).toEqual(
    waitError('too many pushes through other relays for this user; wait'),
  );
  expect(await juliet()).toEqual({ result: undefined });
  expect(posted).toEqual([KNOWN, KNOWN, KNOWN]);
});

it("a user's tokens the remote relay does not know make that user's remote pushes wait", async () => {
  const register = await setup({ remoteMissesPerUserPerHour: 2 });
  const mallory = await register('mallory', UNKNOWN);
  const gone = { error: 'item-not-found', type: 'cancel', text: expect.any(String) };
  expect(await mallory()).toEqual(gone);
  expect(await mallory()).toEqual(gone);
  // Now the relay is not asked again for mallory: not one more failed guess from our address.
  expect(await mallory()).toEqual(
    waitError('too many tokens of this user unknown to other relays; wait'),
  );
  expect(posted).toEqual([UNKNOWN, UNKNOWN]);
  const romeo = await register('romeo');
  expect(await romeo()).toEqual({ result: undefined });
  expect(posted).toEqual([UNKNOWN, UNKNOWN, KNOWN]);
});

it('counts the pushes to one remote relay, all users together', async () => {
  const register = await setup({ remotePushesPerRelayPerMinute: 3 });
  const users = await Promise.all(['a', 'b', 'c', 'd'].map((u) => register(u)));
  const answers = [];
  for (const publish of users) answers.push(await publish());
  expect(answers).toEqual([
    { result: undefined },
    { result: undefined },
    { result: undefined },
    waitError('too many pushes through this remote relay; wait'),
  ]);
  expect(posted).toHaveLength(3);
});

it("test-push counts against the user's remote pushes too, and says so", async () => {
  const register = await setup({ remotePushesPerUserPerMinute: 1 });
  const romeo = await register('romeo');
  expect(await romeo()).toEqual({ result: undefined });
  if (!testPush) throw new Error('no route');
  const { result } = await call(
    testPush,
    'romeo@localhost/phone',
    "<command xmlns='http://jabber.org/protocol/commands' node='test-push'/>",
  );
  const lines = result
    ?.getChild('x')
    ?.getChild('field')
    ?.getChildren('value')
    .map((v) => v.getText());
  expect(lines).toEqual([
    "Device 'phone': not sent: too many pushes through that relay just now; try again later.",
  ]);
  expect(posted).toEqual([KNOWN]);
});
