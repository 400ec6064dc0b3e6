// Our process as a child, the way systemd runs it: its own config.toml, its log in a file, and
// killed for real (SIGKILL) when a test wants a crash.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/servers/ports.js';
import { type StackOptions, until, writeConfig } from './stack.js';

const BIN = new URL('../bin/xmpp-push-relay.js', import.meta.url).pathname;

export interface Child {
  readonly child: ChildProcess;
  /** Base URL of its HTTP API (and /metrics, /healthz). */
  readonly url: string;
  readonly dir: string;
  log(): string;
  /** The value of a counter on /metrics (summed over the lines that contain `match`). */
  metric(match: string): Promise<number>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stops it (SIGTERM) and removes its folder. */
  destroy(): Promise<void>;
}

/** Starts `xmpp-push-relay start` (or `relay` without a component port); resolves once /healthz is ok. */
export async function startChild(o: Omit<StackOptions, 'httpListen' | 'dir'>): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'xpr-child-'));
  const port = await freePort();
  const config = writeConfig({ ...o, httpListen: `127.0.0.1:${port}` }, dir);
  const out = openSync(join(dir, 'out.log'), 'a');
  const mode = o.componentPort === undefined ? 'relay' : 'start';
  const child = spawn(process.execPath, [BIN, mode, '--config', config], {
    stdio: ['ignore', out, out],
  });
  const url = `http://127.0.0.1:${port}`;
  const log = () => readFileSync(join(dir, 'out.log'), 'utf8');
  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`our process exited:\n${log().slice(-2000)}`);
    try {
      const health = await fetch(`${url}/healthz`);
      return health.status === 200;
    } catch {
      return false;
    }
  }, 20_000);
  return {
    child,
    url,
    dir,
    log,
    async metric(match) {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => !l.startsWith('#') && l.includes(match))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    },
    kill,
    async destroy() {
      await kill('SIGTERM');
      if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    },
  };
}
