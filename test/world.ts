// The usual integration setup: fake APNs and FCM, a private XMPP server (Prosody unless a test
// picks another, or none) with users, our process connected to it, and XMPP clients that are all
// stopped at the end.
import { type FakeApns, startFakeApns } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import {
  connectClient,
  type Element,
  NS_DATA,
  type TestClient,
} from '../harness/servers/xmpp-client.js';
import { type Stack, type StackOptions, startStack } from './stack.js';

export const PASSWORD = 'pass';
const SECRET = 'component-secret';

/** Fake APNs and FCM, and our process delivering to them. */
export interface RelayWorld {
  apns: FakeApns;
  fcm: FakeFcm;
  /** Our process (a new one after restartStack()). */
  stack: Stack;
  /** Stops our process and starts it again on the same store. */
  restartStack(): Promise<void>;
  stop(): Promise<void>;
}

/** A RelayWorld whose process is the component of a private XMPP server. */
export interface World extends RelayWorld {
  server: XmppServer;
  /** Logs a user in (password PASSWORD); the client is stopped by stop(). */
  connect(username: string, streamManagement?: boolean): Promise<TestClient>;
}

export interface WorldOptions {
  /** Registered on the XMPP server, with PASSWORD. */
  users?: string[];
  /** Starts the XMPP server (default: a Prosody); `false`: none, our process runs as `relay`. */
  server?: (() => Promise<XmppServer>) | false;
  stack?: Pick<StackOptions, 'admins' | 'extraToml' | 'includeContent'> & {
    /** More config that names the fakes (`[[apps]]` with their addresses). */
    withFakes?: (fakes: { apns: FakeApns; fcm: FakeFcm }) => string;
  };
}

export function startWorld(o: WorldOptions & { server: false }): Promise<RelayWorld>;
export function startWorld(
  o: WorldOptions & { server?: () => Promise<XmppServer> },
): Promise<World>;
export async function startWorld(o: WorldOptions): Promise<RelayWorld | World> {
  const startServer = o.server ?? (() => startProsody({ componentSecret: SECRET }));
  const [apns, fcm, server] = await Promise.all([
    startFakeApns(),
    startFakeFcm(),
    startServer ? startServer() : undefined,
  ]);
  await server?.registerMany((o.users ?? []).map((u) => [u, PASSWORD] as const));
  const { withFakes, ...stack } = o.stack ?? {};
  const options: StackOptions = {
    ...stack,
    extraToml: `${stack.extraToml ?? ''}${withFakes?.({ apns, fcm }) ?? ''}`,
    ...(server && { componentPort: server.componentPort, componentSecret: server.componentSecret }),
    apns,
    fcm,
  };
  const clients: TestClient[] = [];
  const world: RelayWorld = {
    apns,
    fcm,
    stack: await startStack(options),
    async restartStack() {
      await world.stack.stop();
      world.stack = await startStack({ ...options, dir: world.stack.dir });
    },
    async stop() {
      await Promise.all(clients.map((c) => c.stop()));
      await world.stack.destroy();
      await Promise.all([server?.stop(), apns.close(), fcm.close()]);
    },
  };
  if (!server) return world;
  return Object.assign(world, {
    server,
    async connect(username: string, streamManagement = false) {
      const port = server.c2sPort;
      const c = await connectClient({ port, username, password: PASSWORD, streamManagement });
      clients.push(c);
      return c;
    },
  });
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
