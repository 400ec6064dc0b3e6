// A private redis-server with AOF persistence on (`appendonly yes`, as docs/operations.md asks),
// that a test can kill -9 and start again on the same port and folder.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../servers/ports.js';
import { killQuietly, type Running, spawnLogged, tailFiles, waitExit } from '../servers/proc.js';

export interface AofRedis {
  url: string;
  /** SIGKILL: no shutdown, no final AOF rewrite. */
  kill9(): Promise<void>;
  /** Starts it again on the same port and folder (it loads the AOF). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
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

export async function startAofRedis(): Promise<AofRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-faults-redis-'));
  const log = path.join(dir, 'redis.log');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  let run: Running | undefined;
  const boot = async () => {
    run = spawnLogged('redis-server', [...args, '--appendonly', 'yes'], log);
    const deadline = Date.now() + 20_000;
    while (!(await ping(port))) {
      if (run.exitReason() || Date.now() > deadline) {
        throw new Error(`redis-server: ${run.exitReason() ?? 'no PONG'}\n${tailFiles([log], 20)}`);
      }
      await sleep(50);
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    const r = run;
    run = undefined;
    if (!r?.child.pid || r.exitReason()) return;
    killQuietly(r.child.pid, signal);
    if (!(await waitExit(r, 5000))) killQuietly(r.child.pid, 'SIGKILL');
    await waitExit(r, 5000);
  };
  await boot();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill9: () => halt('SIGKILL'),
    restart: boot,
    async stop() {
      await halt('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
