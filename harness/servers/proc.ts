// Shared process helpers and the common handle type of the test XMPP servers.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A private XMPP server started by a test (see prosody.ts, ejabberd.ts). */
export interface XmppServer {
  readonly kind: 'prosody' | 'ejabberd';
  readonly c2sPort: number;
  readonly componentPort: number;
  /** The user domain: 'localhost'. */
  readonly domain: string;
  readonly componentDomain: string;
  readonly componentSecret: string;
  /** Temp dir holding config, data and logs (removed by stop()). */
  readonly dir: string;
  /** OS pid of the server process of the current run (Prosody's lua, ejabberd's beam.smp). */
  readonly pid: number | undefined;
  register(user: string, password: string): Promise<void>;
  registerMany(users: ReadonlyArray<readonly [user: string, password: string]>): Promise<void>;
  /** Stops the server (same ports and data are kept) then starts it again. */
  restart(): Promise<void>;
  /** Stops the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Last `n` lines of the server's output. */
  logTail(n?: number): string;
}

/**
 * Boots a server whose config, data and logs live in `dir` (removed when the boot fails) and
 * returns the handle's restart() and stop(); `halt` stops the current run.
 */
export async function bootInDir(
  name: string,
  dir: string,
  boot: () => Promise<void>,
  halt: () => Promise<void>,
): Promise<Pick<XmppServer, 'restart' | 'stop'>> {
  try {
    await boot();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let removed = false;
  return {
    async restart() {
      if (removed) throw new Error(`${name}: restart() after stop()`);
      await halt();
      await boot();
    },
    async stop() {
      await halt();
      // e.g. a register call still in flight when a test timed out
      for (const p of processesMatching(dir)) killQuietly(p.pid, 'SIGKILL');
      if (!removed) fs.rmSync(dir, { recursive: true, force: true });
      removed = true;
    },
  };
}

export interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  /** Why the process ended, or undefined while it runs. */
  exitReason(): string | undefined;
}

/** Spawns `cmd` with stdout and stderr appended to `logFile`. */
export function spawnLogged(
  cmd: string,
  args: string[],
  logFile: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {},
): Running {
  const fd = fs.openSync(logFile, 'a');
  let reason: string | undefined;
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      reason ??= `spawn ${cmd} failed: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      reason ??= `${cmd} exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });
  return { child, exited, exitReason: () => reason };
}

/** True when the process ended before `timeoutMs`. */
export async function waitExit(run: Running, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([run.exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The TCP connections `pid` has open, as "ourPort>theirPort" (Linux: its /proc/PID/fd links name
 * socket inodes; /proc/net/tcp and tcp6 give each inode's ports): which connections are that
 * process's.
 */
export function tcpConnectionsOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const port = (address: string | undefined) => Number.parseInt(address?.split(':')[1] ?? '', 16);
  const connections = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (inodes.has(f[9] ?? '')) connections.add(`${port(f[1])}>${port(f[2])}`);
    }
  }
  return connections;
}

/** Whether `pid` names a live (non-zombie) process. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

export async function waitPidGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/** Live processes whose command line contains `needle` (e.g. a server's temp dir). */
export function processesMatching(needle: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(needle) && pidAlive(pid)) found.push({ pid, cmd: cmd.trim() });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Last `n` lines of the given files (missing files are skipped). */
export function tailFiles(files: string[], n: number): string {
  const lines: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    lines.push(`==> ${file} <==`, ...text.trimEnd().split('\n').slice(-n));
  }
  return lines.join('\n');
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}):\n${out}`));
    });
  });
}
