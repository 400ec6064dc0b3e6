// A private redis-server for tests: loopback, free port, temp dir removed on stop. No persistence
// by default; with `aof` the AOF is on (`appendonly yes`, `appendfsync always`, as docs/operations.md asks), so a test
// can kill -9 it and start it again on the same port and folder without losing what it answered.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { killQuietly, type Running, spawnLogged, tailFiles, waitExit } from './proc.js';

export interface RedisOptions {
  /** AOF persistence on. Default off. */
  aof?: boolean;
  /** How long a start may take. Default 20 s. */
  timeoutMs?: number;
}

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL: no shutdown, no final AOF rewrite. */
  kill9(): Promise<void>;
  /** Starts it again on the same port and folder (with `aof` it loads the AOF). */
  restart(): Promise<void>;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** One PING over a fresh connection: true on `+PONG`. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const { aof = false, timeoutMs = 20_000 } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-redis-'));
  const log = path.join(dir, 'redis.log');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  args.push('--appendonly', aof ? 'yes' : 'no', '--dir', dir);
  // As docs/operations.md advises: every write is on disk before Redis answers it.
  if (aof) args.push('--appendfsync', 'always');
  let run: Running | undefined;
  let stopped = false;

  const halt = async (signal: NodeJS.Signals) => {
    const r = run;
    run = undefined;
    const pid = r?.child.pid;
    if (!r || pid === undefined || r.exitReason() !== undefined) return;
    killQuietly(pid, signal);
    if (!(await waitExit(r, 5000))) {
      killQuietly(pid, 'SIGKILL');
      await waitExit(r, 5000);
    }
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await halt('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const boot = async () => {
    if (stopped) throw new Error('redis-server: restart() after stop()');
    const r = spawnLogged('redis-server', args, log);
    run = r;
    const deadline = Date.now() + timeoutMs;
    while (!(await pingOnce(port))) {
      const why = r.exitReason() ?? (Date.now() > deadline ? 'no PONG in time' : undefined);
      if (why) throw new Error(`redis-server on port ${port}: ${why}\n${tailFiles([log], 20)}`);
      await sleep(50);
    }
  };

  try {
    await boot();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill9: () => halt('SIGKILL'),
    restart: boot,
    stop,
  };
}
