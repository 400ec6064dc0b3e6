// The fault suite's world: the fake APNs and FCM (with their fault switches), the user's server
// played by harness/faults/publisher.ts, 1,000 registrations made through the registration code,
// and our process as an operator runs it (`node bin/xmpp-push-relay.js start`, a real child
// process that a test can kill -9). ./kit.ts drives a run in it.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRegistrar } from '../../component/registrar.js';
import { type FakeApns, startFakeApns } from '../../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../../harness/fakes/fcm-server.js';
import { fakeProviderSections } from '../../harness/fakes/provider-config.js';
import { type Publisher, startPublisher, type Target } from '../../harness/faults/publisher.js';
import type { Push } from '../../harness/faults/verdict.js';
import { freePort } from '../../harness/servers/ports.js';
import { tcpConnectionsOf, type XmppServer } from '../../harness/servers/proc.js';
import { stopInOrder } from '../../harness/stop.js';
import { createLogger } from '../../lib/log.js';
import { createRelay } from '../../relay/relay.js';
import { testApps } from '../../relay/test-kit.js';
import { openStore } from '../../store/open.js';
import { REGISTRATIONS } from './targets.js';

/**
 * For finding where the time goes in a run: FAULTS_TIMELINE=1 prints it second by second
 * (harness/faults/timeline.ts), FAULTS_LOG_LEVEL=info keeps more of our processes' log (with
 * KEEP=1, in out.log of the run's folder), and FAULTS_NODE_FLAGS passes flags to their `node`
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
const LOG_LEVEL = process.env.FAULTS_LOG_LEVEL ?? 'warn';
const NODE_FLAGS = (process.env.FAULTS_NODE_FLAGS ?? '').split(' ').filter(Boolean);

const BIN = new URL('../../bin/xmpp-push-relay.js', import.meta.url).pathname;
const UNIT = new URL('../../docs/systemd/xmpp-push-relay.service', import.meta.url).pathname;
const SECRET = 'fault-suite-secret';
const DOMAIN = 'push.localhost';
const TOPIC = 'org.example.faults';

export const providerOf = (target: number) => (target % 2 === 0 ? 'apns' : 'fcm');
/**
 * Half the registrations (of each provider) get no publish once the fault starts, like users
 * whose messages stopped: their last pushes can come only from what was queued before, never
 * from a newer publish that carries a higher count.
 */
export const quietFromFault = (target: number) => target % 4 >= 2;
const apnsToken = (i: number) => i.toString(16).padStart(64, '0');
const fcmToken = (i: number) => `fcm:${String(i).padStart(20, '0')}`;

export interface OurProcess {
  pid: number;
  /** SIGKILL, and resolves once it is gone; its connections go to FaultWorld.killed first. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface FaultWorld {
  apns: FakeApns;
  fcm: FakeFcm;
  publisher: Publisher;
  targets: Target[];
  dir: string;
  /** Starts one more of our processes; resolves once it is connected (its time of connection). */
  start(): Promise<number>;
  /** Our processes started so far, in order. */
  ours: OurProcess[];
  /** Every push the fakes delivered. */
  pushes(): Push[];
  /** The connections (Push.conn) of our processes killed so far, as they were at the kill. */
  killed: Set<string>;
  /** Our processes' log lines (level warn and above), for the report. */
  logs(): string;
  stop(): Promise<void>;
}

async function register(storePath: string, storeUrl: string | undefined): Promise<Target[]> {
  const store = await openStore({ path: storePath, url: storeUrl });
  try {
    const log = createLogger('silent');
    const relay = createRelay({
      store,
      apps: testApps(),
      tokenTtlMs: 86_400_000,
      ratePerMinute: 120,
      limits: { perTokenPerMinute: 60, perAccountPerMinute: 300, missesPerMinute: 30 },
      remotes: [],
      onEnqueued: () => undefined,
      log,
    });
    const registrar = createRegistrar({ store, ...relay, log });
    const targets: Target[] = new Array(REGISTRATIONS);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < REGISTRATIONS; i = next++) {
          const provider = providerOf(i);
          const c = await registrar.register({
            jid: `u${i}@localhost`,
            deviceId: `d${i}`,
            provider,
            deviceToken: provider === 'apns' ? apnsToken(i) : fcmToken(i),
          });
          if ('refused' in c) throw new Error(`registration ${i} refused: ${c.refused}`);
          if ('over' in c) throw new Error(`registration ${i} over the ${c.over} quota`);
          targets[i] = { node: c.node, secret: c.secret ?? '' };
        }
      }),
    );
    return targets;
  } finally {
    await store.close();
  }
}

function writeConfig(
  dir: string,
  o: {
    apns: FakeApns;
    fcm: FakeFcm;
    port: number;
    storeUrl?: string;
    httpPort: number;
    includeBody: boolean;
  },
) {
  const providers = fakeProviderSections(dir, { ...o, topic: TOPIC });
  const path = join(dir, `config-${o.httpPort}.toml`);
  // Production defaults everywhere (retries, reconnects, rates), except where the fakes are.
  writeFileSync(
    path,
    `[component]
jid = "${DOMAIN}"
secret = "${SECRET}"
server = "127.0.0.1:${o.port}"

[store]
path = "store"
${o.storeUrl ? `url = "${o.storeUrl}"` : ''}

[http]
listen = "127.0.0.1:${o.httpPort}"

[push]
include_body = ${o.includeBody}

${providers}
[log]
level = "${LOG_LEVEL}"
`,
  );
  return path;
}

/** The `node` flags of the unit an operator installs (the heap bound). */
function unitFlags(): string[] {
  const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s/m.exec(readFileSync(UNIT, 'utf8'));
  return (exec?.[1] ?? '').split(/\s+/).filter(Boolean);
}

/** The unit's RestartSec, in ms: how long systemd waits before starting a crashed process. */
export function unitRestartMs(): number {
  const sec = /^RestartSec=(\d+)s?$/m.exec(readFileSync(UNIT, 'utf8'))?.[1];
  if (sec === undefined) throw new Error(`${UNIT}: no RestartSec`);
  return Number(sec) * 1000;
}

export async function startFaultWorld(
  o: {
    storeUrl?: string;
    /** A real XMPP server our process connects to, instead of the publisher. */
    server?: XmppServer;
  } = {},
): Promise<FaultWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-faults-'));
  const [apns, fcm, publisher] = await Promise.all([
    startFakeApns(),
    startFakeFcm(),
    startPublisher({ domain: DOMAIN, secret: SECRET, serverDomain: 'localhost' }),
  ]);
  const targets = await register(join(dir, 'store'), o.storeUrl);
  const ours: OurProcess[] = [];
  const logFile = join(dir, 'out.log');
  const world: FaultWorld = {
    apns,
    fcm,
    publisher,
    targets,
    dir,
    ours,
    killed: new Set(),
    async start() {
      const httpPort = await freePort();
      const config = writeConfig(dir, {
        apns,
        fcm,
        port: o.server?.componentPort ?? publisher.port,
        storeUrl: o.storeUrl,
        httpPort,
        includeBody: o.server !== undefined,
      });
      const out = openSync(logFile, 'a');
      const before = publisher.links.length;
      const child = spawn(
        process.execPath,
        [...unitFlags(), ...NODE_FLAGS, BIN, 'start', '--config', config],
        {
          cwd: dir,
          stdio: ['ignore', out, out],
        },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const gone = async (signal: NodeJS.Signals) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(signal);
        const late = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(late);
      };
      ours.push({
        pid: child.pid ?? -1,
        kill9: async () => {
          if (child.pid !== undefined && child.exitCode === null) {
            for (const c of tcpConnectionsOf(child.pid)) world.killed.add(c);
          }
          await gone('SIGKILL');
        },
        stop: () => gone('SIGTERM'),
      });
      const deadline = Date.now() + 20_000;
      for (;;) {
        const link = publisher.links.slice(before).find((l) => l.closedAt === undefined);
        if (link) return link.onlineAt;
        if (o.server && (await xmppUp(httpPort))) return Date.now();
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`our process did not connect:\n${world.logs()}`);
        }
        await sleep(10);
      }
    },
    pushes() {
      const out: Push[] = [];
      // Through Prosody every message-count is 1: the body (`m<seq>`) names the message.
      const count = (body: unknown, messageCount: unknown) =>
        Number(/^m(\d+)$/.exec(String(body))?.[1] ?? messageCount);
      for (const d of apns.faults.deliveries) {
        const p = d.payload as { aps?: { alert?: { body?: string } }; 'message-count'?: number };
        const target = Number.parseInt(d.deviceToken, 16);
        const conn = `${d.conn}>${apns.port}`;
        out.push({ target, count: count(p.aps?.alert?.body, p['message-count']), at: d.at, conn });
      }
      for (const d of fcm.faults.deliveries) {
        const data = (d.payload as { data?: Record<string, string> }).data ?? {};
        const target = Number(d.deviceToken.slice('fcm:'.length));
        const conn = `${d.conn}>${fcm.port}`;
        out.push({ target, count: count(data.body, data['message-count']), at: d.at, conn });
      }
      return out;
    },
    logs() {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      } catch {
        return '';
      }
    },
    async stop() {
      try {
        await stopInOrder({
          ...Object.fromEntries(ours.map((p, i) => [`our process ${i + 1} (pid ${p.pid})`, p])),
          publisher,
          'fake APNs': apns,
          'fake FCM': fcm,
        });
      } finally {
        if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return world;
}

/** Whether our process's /healthz says its XMPP link is up. */
async function xmppUp(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    return ((await res.json()) as { xmpp?: string }).xmpp === 'up';
  } catch {
    return false;
  }
}
