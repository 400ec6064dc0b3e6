// Terminal output (progress, table) and the latency chart (hand-written SVG).

/** The p-th percentile (0..100) of the finite values, nearest-rank; NaN when there are none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) xs.push(v);
  }
  if (xs.length === 0) return Number.NaN;
  xs.sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * xs.length);
  return xs[Math.min(xs.length - 1, Math.max(0, rank - 1))] as number;
}

const tty = Boolean(process.stdout.isTTY);

/** A progress bar on one line (TTY), or a plain line per quarter (pipes, CI logs). */
export class Progress {
  private shown = -1;
  private lastDraw = 0;
  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    if (!tty) console.log(`… ${label} (${total})`);
  }
  update(done: number, extra = ''): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    if (tty) {
      const now = Date.now();
      if (now - this.lastDraw < 80 && frac < 1) return;
      this.lastDraw = now;
      const width = 30;
      const full = Math.round(frac * width);
      const bar = `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
      const line = `${this.label.padEnd(34).slice(0, 34)} ${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${done}/${this.total} ${extra}`;
      process.stdout.write(`\r\x1b[2K${line}`);
      return;
    }
    const quarter = Math.floor(frac * 4);
    if (quarter > this.shown && quarter < 4) {
      this.shown = quarter;
      if (quarter > 0) console.log(`  ${this.label}: ${done}/${this.total} ${extra}`);
    }
  }
  done(summary: string): void {
    if (tty) process.stdout.write('\r\x1b[2K');
    console.log(`✓ ${this.label}: ${summary}`);
  }
}

export function say(line: string): void {
  if (tty) process.stdout.write('\r\x1b[2K');
  console.log(line);
}

/** A plain text table with right-aligned numbers. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => line(r)),
  ].join('\n');
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export interface ChartPoint {
  offered: number;
  p50: number;
  p99: number;
  replyP50: number;
  replyP99: number;
}

/** Latency vs offered load, both axes logarithmic. */
export function latencySvg(
  points: ChartPoint[],
  title: string,
  target?: { ms: number; label: string },
): string {
  const W = 760;
  const H = 460;
  const m = { l: 80, r: 170, t: 50, b: 60 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = points.map((p) => p.offered);
  const ys = points
    .flatMap((p) => [p.p50, p.p99, p.replyP50, p.replyP99])
    .filter((v) => Number.isFinite(v) && v > 0);
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...xs, 100)));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...xs, 1000)));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 100)));
  const x = (v: number) =>
    m.l + ((Math.log10(v) - Math.log10(xMin)) / Math.log10(xMax / xMin)) * pw;
  const y = (v: number) =>
    m.t + ph - ((Math.log10(v) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * ph;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l + pw / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  );
  for (let d = xMin; d <= xMax * 1.0001; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > xMax * 1.0001) break;
      out.push(
        `<line x1="${x(v)}" y1="${m.t}" x2="${x(v)}" y2="${m.t + ph}" stroke="#ddd"/>`,
        `<text x="${x(v)}" y="${m.t + ph + 18}" text-anchor="middle">${v.toLocaleString('en-US')}</text>`,
      );
    }
  }
  for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > yMax * 1.0001) break;
      out.push(
        `<line x1="${m.l}" y1="${y(v)}" x2="${m.l + pw}" y2="${y(v)}" stroke="#ddd"/>`,
        `<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v < 1 ? v : v.toLocaleString('en-US')}</text>`,
      );
    }
  }
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 18}" text-anchor="middle">offered load (publishes per second, log scale)</text>`,
    `<text transform="translate(22 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>`,
  );
  if (target && target.ms >= yMin && target.ms <= yMax) {
    out.push(
      `<line x1="${m.l}" y1="${y(target.ms)}" x2="${m.l + pw}" y2="${y(target.ms)}" stroke="#2ca02c" stroke-dasharray="2 3"/>`,
      `<text x="${m.l + 6}" y="${y(target.ms) - 5}" fill="#2ca02c">${esc(target.label)}</text>`,
    );
  }
  const series: Array<{ key: keyof ChartPoint; label: string; color: string; dash?: string }> = [
    { key: 'p50', label: 'publish→APNs p50', color: '#1f77b4' },
    { key: 'p99', label: 'publish→APNs p99', color: '#d62728' },
    { key: 'replyP50', label: 'IQ answer p50', color: '#1f77b4', dash: '5 4' },
    { key: 'replyP99', label: 'IQ answer p99', color: '#d62728', dash: '5 4' },
  ];
  series.forEach((s, i) => {
    const pts = points.filter((p) => Number.isFinite(p[s.key]) && p[s.key] > 0);
    const d = pts.map((p) => `${x(p.offered).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (pts.length > 0) {
      out.push(
        `<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
        ...pts.map(
          (p) =>
            `<circle cx="${x(p.offered).toFixed(1)}" cy="${y(p[s.key]).toFixed(1)}" r="3" fill="${s.color}"/>`,
        ),
      );
    }
    const ly = m.t + 10 + i * 20;
    out.push(
      `<line x1="${m.l + pw + 12}" y1="${ly}" x2="${m.l + pw + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${m.l + pw + 46}" y="${ly + 4}">${esc(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
