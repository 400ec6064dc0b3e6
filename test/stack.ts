// Runs our process the way an admin does: a config.toml on disk, `start()` as the CLI calls it,
// the real APNs/FCM code paths pointed at the fake servers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../app/config.js';
import { type Running, start } from '../app/start.js';
import type { Connection } from '../component/connection.js';
import type { PublishOutcome } from '../component/publish.js';
import type { FakeApns } from '../harness/fakes/apns-server.js';
import type { FakeFcm } from '../harness/fakes/fcm-server.js';
import { fakeProviderSections } from '../harness/fakes/provider-config.js';
import { createLogger } from '../lib/log.js';

export const TOPIC = 'org.example.pushtest';

export interface StackOptions {
  /** The XMPP server's component port; without it the process runs in `relay` mode. */
  componentPort?: number;
  componentSecret?: string;
  apns: FakeApns;
  fcm: FakeFcm;
  /** Reuse a store folder (restart tests). */
  dir?: string;
  /** `[store] url`: Redis instead of SQLite. */
  storeUrl?: string;
  /** More lines in `[store]` (sentinels, min_replicas). */
  storeToml?: string;
  /** More lines in `[push]`. */
  pushToml?: string;
  /** `[component] admins`. */
  admins?: string[];
  /** `[component] max_in_flight`. */
  maxInFlight?: number;
  /** `[push] include_sender` and `include_body` (default false, as the product's). */
  includeContent?: boolean;
  /** `[http] listen` (default: a free port). */
  httpListen?: string;
  extraToml?: string;
}

export interface Stack {
  running: Running;
  /** The XMPP link (absent in relay mode). */
  component?: Connection;
  /** Base URL of the relay HTTP API. */
  httpUrl: string;
  dir: string;
  logFile: string;
  /** Every publish outcome, in order. */
  publishes: PublishOutcome[];
  /** Resolves when `n` publishes have been answered in total. */
  waitPublishes(n: number, timeoutMs?: number): Promise<PublishOutcome[]>;
  stop(): Promise<void>;
  /** Stops and removes the folder. */
  destroy(): Promise<void>;
}

export function writeConfig(o: StackOptions, dir: string): string {
  const providers = fakeProviderSections(dir, { ...o, topic: TOPIC });
  const component =
    o.componentPort === undefined
      ? ''
      : `[component]
jid = "push.localhost"
secret = "${o.componentSecret}"
server = "127.0.0.1:${o.componentPort}"
admins = ${JSON.stringify(o.admins ?? [])}
${o.maxInFlight === undefined ? '' : `max_in_flight = ${o.maxInFlight}\n`}
`;
  const path = join(dir, 'config.toml');
  writeFileSync(
    path,
    `${component}[store]
path = "store"
${o.storeUrl ? `url = "${o.storeUrl}"` : ''}
${o.storeToml ?? ''}

[http]
listen = "${o.httpListen ?? '127.0.0.1:0'}"

[push]
retry_initial_ms = 50
retry_max_ms = 200
${o.includeContent ? 'include_sender = true\ninclude_body = true\n' : ''}
${o.pushToml ?? ''}

${providers}
[log]
level = "debug"
${o.extraToml ?? ''}`,
  );
  return path;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'xpr-stack-'));
  const config = loadConfig(writeConfig(o, dir));
  const logFile = join(dir, 'relay.log');
  const log = createLogger(
    config.log.level,
    pino.destination({ dest: logFile, sync: true, append: true }),
  );
  const publishes: PublishOutcome[] = [];
  const waiters: Array<() => void> = [];
  const running = await start(config, log, {
    mode: o.componentPort === undefined ? 'relay' : 'start',
    onPublish: (outcome) => {
      publishes.push(outcome);
      for (const w of waiters.splice(0)) w();
    },
  });
  const component = running.component;
  await component?.waitOnline();
  const { port } = running.http.server.address() as AddressInfo;
  const stack: Stack = {
    running,
    component,
    httpUrl: `http://127.0.0.1:${port}`,
    dir,
    logFile,
    publishes,
    async waitPublishes(n, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (publishes.length < n) {
        const left = end - Date.now();
        if (left <= 0) throw new Error(`expected ${n} publishes, saw ${JSON.stringify(publishes)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return publishes;
    },
    stop: () => running.stop(),
    async destroy() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Polls `check` until it holds, or fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Calls the HTTP API of the process at `baseUrl()` as a JSON client does: `Content-Type:
 * application/json` whenever `body` or `raw` (sent as is) is given — with `raw` `''`, the
 * header and no body — and `Authorization: Token <key>` with `key`.
 */
export function apiCaller(baseUrl: () => string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
    raw?: string,
  ) {
    const headers: Record<string, string> = {};
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    if (key) headers.authorization = `Token ${key}`;
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      body: raw || (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}
