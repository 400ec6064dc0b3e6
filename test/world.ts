// The usual integration setup: fake APNs and FCM, a private Prosody with users, our process
// connected to it, and XMPP clients that are all stopped at the end.
import { type FakeApns, startFakeApns } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import { type Prosody, startProsody } from '../harness/servers/prosody.js';
import {
  connectClient,
  type Element,
  NS_DATA,
  type TestClient,
} from '../harness/servers/xmpp-client.js';
import { type Stack, type StackOptions, startStack } from './stack.js';

export const PASSWORD = 'pass';
const SECRET = 'component-secret';

export interface World {
  apns: FakeApns;
  fcm: FakeFcm;
  prosody: Prosody;
  stack: Stack;
  /** Logs a user in (password PASSWORD); the client is stopped by stop(). */
  connect(username: string): Promise<TestClient>;
  stop(): Promise<void>;
}

export async function startWorld(o: {
  users: string[];
  stack?: Pick<StackOptions, 'admins' | 'extraToml'>;
}): Promise<World> {
  const [apns, fcm, prosody] = await Promise.all([
    startFakeApns(),
    startFakeFcm(),
    startProsody({ componentSecret: SECRET }),
  ]);
  await prosody.registerMany(o.users.map((u) => [u, PASSWORD] as const));
  const stack = await startStack({
    ...o.stack,
    componentPort: prosody.componentPort,
    componentSecret: SECRET,
    apns,
    fcm,
  });
  const clients: TestClient[] = [];
  return {
    apns,
    fcm,
    prosody,
    stack,
    async connect(username) {
      const c = await connectClient({ port: prosody.c2sPort, username, password: PASSWORD });
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.stop()));
      await stack.destroy();
      await Promise.all([prosody.stop(), apns.close(), fcm.close()]);
    },
  };
}

/** The `var → first value` of the data form in an ad-hoc command answer. */
export function formValues(command: Element): Partial<Record<string, string>> {
  return Object.fromEntries(
    (command.getChild('x', NS_DATA)?.getChildren('field') ?? []).map((f) => [
      f.attrs.var,
      f.getChildText('value') ?? '',
    ]),
  );
}
