// A private redis-server for tests: loopback, free port, no persistence, temp dir removed on stop.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { killQuietly, spawnLogged, tailFiles, waitExit } from './proc.js';

export interface RedisServer {
  url: string;
  port: number;
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

export async function startRedis(timeoutMs = 20_000): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-redis-'));
  const log = path.join(dir, 'redis.log');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const run = spawnLogged('redis-server', [...args, '--dir', dir], log);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const pid = run.child.pid;
    if (pid !== undefined && run.exitReason() === undefined) {
      killQuietly(pid, 'SIGTERM');
      if (!(await waitExit(run, 5000))) {
        killQuietly(pid, 'SIGKILL');
        await waitExit(run, 5000);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await pingOnce(port))) {
    const why = run.exitReason() ?? (Date.now() > deadline ? 'no PONG in time' : undefined);
    if (why) {
      const tail = tailFiles([log], 20);
      await stop();
      throw new Error(`redis-server on port ${port}: ${why}\n${tail}`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
