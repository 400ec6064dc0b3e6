// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by file/package.
//   node dist/bench/profile-summary.js FILE.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : url;
}

/**
 * `fromMs`/`toMs` cut the profile to a window on the bench's shared clock: V8 stamps profiles
 * with the same CLOCK_MONOTONIC as process.hrtime (in µs).
 */
export function summarize(profile: Profile, top = 25, fromMs = -Infinity, toMs = Infinity): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t / 1000 < fromMs || t / 1000 > toMs) return;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const name = `${f.functionName || '(anonymous)'} ${where(f.url)}:${f.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const w = f.url ? where(f.url) : f.functionName;
    file.set(w, (file.get(w) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return [
    `total sampled ${(total / 1e6).toFixed(1)} s`,
    '-- self time by function --',
    list(fn),
    '-- self time by file or package --',
    list(file),
  ].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const [path, top, from, to] = process.argv.slice(2);
  if (!path) {
    console.error('usage: profile-summary FILE.cpuprofile [top] [fromMs toMs]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  console.log(
    summarize(profile, Number(top ?? 25), Number(from ?? -Infinity), Number(to ?? Infinity)),
  );
}
