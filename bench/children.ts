// Child processes, temp dirs and their cleanup (also on Ctrl-C), and /proc readings.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Undo = { what: string; undo: () => unknown };
const undos: Undo[] = [];

/** Registers a cleanup step; steps run newest first. Returns a function that unregisters it. */
export function onCleanup(what: string, undo: () => unknown): () => void {
  const u = { what, undo };
  undos.push(u);
  return () => {
    const i = undos.indexOf(u);
    if (i >= 0) undos.splice(i, 1);
  };
}

/** Runs every cleanup step (each bounded to 8 s), newest first. */
export async function cleanupAll(): Promise<string[]> {
  const problems: string[] = [];
  for (let u = undos.pop(); u; u = undos.pop()) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(u.undo),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), 8000);
        }),
      ]);
    } catch (err) {
      problems.push(`${u.what}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  return problems;
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  exitReason(): string | undefined;
  /** stdout+stderr, last 64 KiB. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once gone. */
  stop(graceMs?: number): Promise<void>;
}

function track(what: string, proc: ChildProcess): Child {
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-65536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let reason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    proc.once('error', (err) => {
      reason ??= `${what}: ${err.message}`;
      resolve();
    });
    proc.once('exit', (code, signal) => {
      reason ??= `${what} exited (code ${code}, signal ${signal})`;
      resolve();
    });
  });
  const gone = () => reason !== undefined;
  const child: Child = {
    proc,
    pid: proc.pid ?? -1,
    exited,
    exitReason: () => reason,
    output: () => out,
    async stop(graceMs = 5000) {
      if (gone()) return;
      proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (killed && !gone()) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  onCleanup(`stop ${what} (pid ${child.pid})`, () => child.stop());
  return child;
}

/** Spawns a command (not through a shell, so the pid is the program's own). */
export function spawnChild(
  what: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Child {
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  return track(what, proc);
}

/** Forks a Node module with an IPC channel. */
export function forkChild(
  what: string,
  module: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
): Child {
  const proc = fork(module, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return track(what, proc);
}

export interface ProcMemory {
  /** Resident set size now, MiB. */
  rssMb: number;
  /** Peak resident set size (VmHWM), MiB. */
  hwmMb: number;
}

export function readMemory(pid: number): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Samples VmRSS of `pid` every `everyMs` (VmHWM covers the process's whole life, this covers a
 * phase); the returned function stops sampling and gives the peak in MiB (NaN if none was read).
 */
export function rssSampler(pid: number, everyMs = 50): () => number {
  let peak = Number.NaN;
  const sample = () => {
    const rss = readMemory(pid)?.rssMb;
    if (rss !== undefined && !(rss <= peak)) peak = rss;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/** The pid of a direct child of this process whose command name (comm) is `comm`. */
export function childPidByName(comm: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === comm && ppid === process.pid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU time (user + system) used by `pid` so far, in seconds. */
export function readCpuSeconds(pid: number): number {
  if (pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of several processes between two moments. */
export function cpuMeter(pids: Record<string, number>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, readCpuSeconds(p)]));
  return () =>
    Object.fromEntries(
      Object.entries(pids).map(([k, p]) => [k, readCpuSeconds(p) - (start[k] as number)]),
    );
}

/** Machine-wide CPU time split (from /proc/stat) between two moments, as fractions. */
export function machineMeter(): () => {
  busy: number;
  idle: number;
  iowait: number;
  steal: number;
} {
  const read = () => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal
    return line.trim().split(/\s+/).slice(1, 9).map(Number);
  };
  const a = read();
  return () => {
    const b = read();
    const d = b.map((v, i) => v - (a[i] ?? 0));
    const total = d.reduce((x, y) => x + y, 0) || 1;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
      d;
    return {
      busy: (user + nice + system + irq + softirq) / total,
      idle: idle / total,
      iowait: iowait / total,
      steal: steal / total,
    };
  };
}
