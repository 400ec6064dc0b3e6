// Redis with Redis Sentinel for failover tests: a master and a replica (both with an AOF) and
// three sentinels (`redis-server <conf> --sentinel`), loopback, free ports, one temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePorts } from './ports.js';
import { killQuietly, type Running, spawnLogged, tailFiles, waitExit } from './proc.js';

export const SENTINEL_MASTER = 'mymaster';

export interface RedisSentinels {
  /** `host:port` of each sentinel. */
  readonly sentinels: string[];
  /** The master's port as the sentinels see it now. */
  masterPort(): Promise<number>;
  /** Asks a sentinel for a failover (SENTINEL FAILOVER) and waits until the replica is master. */
  failover(timeoutMs?: number): Promise<number>;
  /** Kills the server on `port` (SIGKILL); waitForMaster() then sees the sentinels' choice. */
  kill(port: number): Promise<void>;
  /** Starts a killed server again, on its data (AOF); the sentinels make it a replica. */
  restart(port: number): Promise<void>;
  /** Waits until the sentinels name a master other than `oldPort` and it answers as master. */
  waitForMaster(oldPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const cli = (port: number) =>
  new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });

/** One command on a fresh connection; undefined when the server does not answer. */
async function ask(port: number, ...args: string[]): Promise<unknown> {
  const r = cli(port);
  r.on('error', () => {});
  try {
    await r.connect();
    return await r.call(args[0] as string, ...args.slice(1));
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

export async function startRedisSentinels(timeoutMs = 30_000): Promise<RedisSentinels> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-sentinel-'));
  const [master, replica, ...sentinelPorts] = (await freePorts(5)) as number[];
  const servers = new Map<number, Running>();
  const logs: string[] = [];
  const argv = new Map<number, { home: string; log: string; args: string[] }>();
  const spawnServer = (name: string, port: number, args: string[]) => {
    const home = path.join(dir, name);
    fs.mkdirSync(home);
    const log = path.join(dir, `${name}.log`);
    logs.push(log);
    argv.set(port, { home, log, args });
    servers.set(port, spawnLogged('redis-server', args, log, { cwd: home }));
  };
  const data = (port: number) => [
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', ''],
    // A replica's full sync starts at once (by default the master waits 5 s for more replicas).
    ...['--repl-diskless-sync-delay', '0'],
    ...['--appendonly', 'yes', '--appendfsync', 'always'],
  ];
  const killed = new Set<number>();
  spawnServer('master', master as number, data(master as number));
  spawnServer('replica', replica as number, [
    ...data(replica as number),
    '--replicaof',
    '127.0.0.1',
    String(master),
  ]);
  for (const [i, port] of sentinelPorts.entries()) {
    const conf = path.join(dir, `sentinel-${i}.conf`);
    fs.writeFileSync(
      conf,
      `port ${port}
bind 127.0.0.1
sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${master} 2
sentinel known-replica ${SENTINEL_MASTER} 127.0.0.1 ${replica}
sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000
sentinel failover-timeout ${SENTINEL_MASTER} 10000
sentinel parallel-syncs ${SENTINEL_MASTER} 1
`,
    );
    spawnServer(`sentinel-${i}`, port, [conf, '--sentinel']);
  }

  const stop = async () => {
    for (const [, run] of servers) {
      const pid = run.child.pid;
      if (pid !== undefined && run.exitReason() === undefined) killQuietly(pid, 'SIGKILL');
      await waitExit(run, 5000);
    }
    servers.clear();
    if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
  const until = async (what: string, check: () => Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      const died = [...servers]
        .find(([port, r]) => !killed.has(port) && r.exitReason())?.[1]
        .exitReason();
      if (died || Date.now() > deadline) {
        throw new Error(
          `redis sentinels: ${died ?? `${what} not within ${ms} ms`}\n${tailFiles(logs, 10)}`,
        );
      }
      await sleep(100);
    }
  };
  const masterPort = async () => {
    for (const port of sentinelPorts) {
      const addr = (await ask(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as
        | [string, string]
        | undefined;
      if (addr) return Number(addr[1]);
    }
    throw new Error('no sentinel answers');
  };
  const waitForMaster = async (oldPort: number, ms = 20_000) => {
    let port = oldPort;
    await until(
      'a new master',
      async () => {
        port = await masterPort();
        const role = (await ask(port, 'ROLE')) as [string] | undefined;
        return port !== oldPort && role?.[0] === 'master';
      },
      ms,
    );
    return port;
  };

  try {
    // Ready: the replica is in sync, and every sentinel knows the replica and the other two.
    await until(
      'replication and sentinel discovery',
      async () => {
        const info = String((await ask(replica as number, 'INFO', 'replication')) ?? '');
        if (!info.includes('master_link_status:up')) return false;
        for (const port of sentinelPorts) {
          const replicas = (await ask(port, 'SENTINEL', 'REPLICAS', SENTINEL_MASTER)) as
            | unknown[]
            | undefined;
          const peers = (await ask(port, 'SENTINEL', 'SENTINELS', SENTINEL_MASTER)) as
            | unknown[]
            | undefined;
          if (replicas?.length !== 1 || peers?.length !== 2) return false;
        }
        return true;
      },
      timeoutMs,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
    masterPort,
    async failover(ms = 20_000) {
      const old = await masterPort();
      const answer = await ask(sentinelPorts[0] as number, 'SENTINEL', 'FAILOVER', SENTINEL_MASTER);
      if (answer !== 'OK') throw new Error(`SENTINEL FAILOVER: ${String(answer)}`);
      return waitForMaster(old, ms);
    },
    async kill(port) {
      const run = servers.get(port);
      const pid = run?.child.pid;
      if (!run || pid === undefined) throw new Error(`no redis-server on port ${port}`);
      killed.add(port);
      killQuietly(pid, 'SIGKILL');
      await waitExit(run, 5000);
    },
    async restart(port) {
      const a = argv.get(port);
      if (!a || !killed.has(port)) throw new Error(`redis-server on port ${port} was not killed`);
      killed.delete(port);
      servers.set(port, spawnLogged('redis-server', a.args, a.log, { cwd: a.home }));
      await until('the restarted server', async () => (await ask(port, 'PING')) === 'PONG', 10_000);
    },
    waitForMaster,
    stop,
  };
}
