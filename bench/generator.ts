// The load generator plays the XMPP SERVER side of XEP-0114 (harness/fakes/component-port.ts):
// it accepts the component's connections, then sends XEP-0357 publishes shaped like Prosody's
// mod_cloud_notify ones and times each IQ's answer. The answers are read by answer-readers.ts;
// the phase's options and result and the server's interface are in generator-types.ts.
import net from 'node:net';
import { acceptComponent, type IqAnswer, publishStanza } from '../harness/fakes/component-port.js';
import { answerReader, type ParserKind } from './answer-readers.js';
import { nowMs } from './clock.js';
import type { LoadServer, PhaseOptions, PhaseResult, Target } from './generator-types.js';

export type { ParserKind } from './answer-readers.js';
export type { LoadServer, PhaseOptions, PhaseResult, Target } from './generator-types.js';

/** Prosody's ids are SHA-256 hex; ours carry the sequence number in hex, same length. */
const iqId = (seq: number) => seq.toString(16).padStart(64, '0');

/**
 * Publishes per socket.write(): what the generator itself holds is bounded by this plus the
 * socket's high-water mark, since it waits for 'drain' whenever write() returns false.
 */
const MAX_PER_WRITE = 256;

interface Link {
  socket: net.Socket;
  online: boolean;
  /** write() returned false: wait for 'drain' before writing again. */
  blocked: boolean;
}

export async function startLoadServer(o: {
  domain: string;
  secret: string;
  /** `from` of the publishes (the user's server). */
  serverDomain: string;
  parser: ParserKind;
  /**
   * Component connections accepted at once (XEP-0114 lets several share one domain, and the
   * server spreads stanzas over them); more get a conflict stream error. Default 1.
   */
  maxComponents?: number;
}): Promise<LoadServer> {
  const maxComponents = o.maxComponents ?? 1;
  const links: Link[] = [];
  let ended: string | undefined;
  let onAnswer: (a: IqAnswer) => void = () => undefined;
  let onDrain: () => void = () => undefined;
  const onlineWaiters = new Set<() => void>();
  let bytesOut = 0;
  let seqBase = 0;
  const online = () => links.filter((l) => l.online);

  const server = net.createServer((s) => {
    if (links.length >= maxComponents) {
      s.end(
        `<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
      );
      return;
    }
    const link: Link = { socket: s, online: false, blocked: false };
    links.push(link);
    s.setNoDelay(true);
    s.setEncoding('utf8');
    s.on('error', () => undefined);
    s.on('drain', () => {
      link.blocked = false;
      onDrain();
    });
    s.on('close', () => {
      links.splice(links.indexOf(link), 1);
      if (link.online) ended ??= 'connection closed';
      link.online = false;
    });
    acceptComponent(s, o, () => {
      ended = undefined;
      const end = (why: string) => {
        ended = why;
      };
      link.online = true;
      for (const w of onlineWaiters) w();
      return answerReader(o.parser, (a) => onAnswer(a), end);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  async function run(p: PhaseOptions): Promise<PhaseResult> {
    const socks = online();
    if (socks.length === 0) throw new Error('no component is connected');
    const n = p.targets.length;
    const base = seqBase;
    seqBase += n;
    const sendTimes = new Float64Array(n).fill(Number.NaN);
    const replyMs = new Float64Array(n).fill(Number.NaN);
    const resultOk = new Uint8Array(n);
    const errorKinds: Record<string, number> = {};
    let sent = 0;
    let answered = 0;
    let results = 0;
    let errors = 0;
    let lastAnswer = 0;
    let drainWaits = 0;
    let sending = true;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let progressAt = 0;

    // Publish i goes to connection i mod k: the publishes alternate over the components.
    const write = (count: number) => {
      const end = Math.min(n, sent + count);
      while (sent < end && !socks.some((l) => l.blocked)) {
        const upTo = Math.min(end, sent + MAX_PER_WRITE);
        const parts: string[][] = socks.map(() => []);
        for (let i = sent; i < upTo; i++) {
          const { node, secret, index } = p.targets[i] as Target;
          const body = `Hello from the bench ${index}`;
          const content = { node, secret, count: 1, sender: 'sender@localhost/bench', body };
          const stanza = publishStanza(iqId(base + i), o.serverDomain, o.domain, content);
          parts[i % socks.length]?.push(stanza);
        }
        const t = nowMs();
        for (let i = sent; i < upTo; i++) sendTimes[i] = t;
        sent = upTo;
        socks.forEach((l, k) => {
          const data = (parts[k] as string[]).join('');
          if (!data) return;
          bytesOut += data.length;
          if (!l.socket.write(data)) {
            l.blocked = true;
            drainWaits++;
          }
        });
      }
    };

    onAnswer = (a) => {
      const i = Number.parseInt(a.id, 16) - base;
      if (!(i >= 0 && i < n) || !Number.isNaN(replyMs[i] as number)) return;
      const t = nowMs();
      replyMs[i] = t - (sendTimes[i] as number);
      lastAnswer = t;
      answered++;
      if (a.type === 'result') {
        results++;
        resultOk[i] = 1;
      } else {
        errors++;
        const k = a.condition ?? a.type;
        errorKinds[k] = (errorKinds[k] ?? 0) + 1;
      }
      if (p.rate === undefined) window();
      if (answered === n || (!sending && answered === sent)) finish();
      else if (p.onProgress && t - progressAt > 100) {
        progressAt = t;
        p.onProgress(answered);
      }
    };

    // Closed loop: keep `window` outstanding, topping up in batches of at least 1/8 window.
    const w = Math.max(1, p.window ?? 1000);
    let topUp: NodeJS.Immediate | undefined;
    const window = () => {
      if (topUp || sent >= n) return;
      topUp = setImmediate(() => {
        topUp = undefined;
        const want = w - (sent - answered);
        if (want >= Math.min(w / 8, n - sent)) write(want);
      });
    };

    const t0 = nowMs();
    const plannedMs = p.rate === undefined ? 0 : (n / p.rate) * 1000;
    let tick: NodeJS.Timeout | undefined;
    if (p.rate === undefined) {
      onDrain = window;
      write(w);
    } else {
      const rate = p.rate;
      const pace = () => {
        tick = undefined;
        const t = nowMs();
        if (p.stopAtPlannedEnd && t - t0 >= plannedMs) {
          sending = false;
          if (answered === sent) finish();
          return;
        }
        const due = Math.min(n, Math.floor(((t - t0) * rate) / 1000) + 1);
        write(due - sent);
        if (sent < n && !ended) tick = setTimeout(pace, 1);
      };
      pace();
    }
    // Bounded: the phase ends when the stream ends, when nothing was answered for drainMs after
    // the sends that were due, and at the latest after the planned time + drainMs + 10 ms each.
    const guard = setTimeout(() => finish(), plannedMs + p.drainMs + n * 10);
    const endWatch = setInterval(() => {
      const t = nowMs();
      const quietSince = Math.max(lastAnswer, t0 + plannedMs);
      if (ended || t - quietSince > p.drainMs) finish();
    }, 50);
    await done;
    clearTimeout(guard);
    clearInterval(endWatch);
    clearTimeout(tick);
    if (topUp) clearImmediate(topUp);
    onAnswer = () => undefined;
    onDrain = () => undefined;
    p.onProgress?.(answered);
    const firstSendMs = sendTimes[0] ?? t0;
    return {
      sent,
      unsent: n - sent,
      results,
      errors,
      errorKinds,
      unanswered: sent - answered,
      elapsedMs: (answered > 0 ? lastAnswer : nowMs()) - firstSendMs,
      firstSendMs,
      lastSendMs: sent > 0 ? (sendTimes[sent - 1] as number) : firstSendMs,
      sendTimes,
      replyMs,
      resultOk,
      drainWaits,
    };
  }

  return {
    port,
    get bytesOut() {
      return bytesOut;
    },
    get connections() {
      return online().length;
    },
    waitComponent(timeoutMs, count = 1) {
      if (online().length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (online().length < count) return;
          clearTimeout(timer);
          onlineWaiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          onlineWaiters.delete(check);
          reject(new Error(`${count} component(s) did not connect within ${timeoutMs} ms`));
        }, timeoutMs);
        onlineWaiters.add(check);
      });
    },
    run,
    close() {
      return new Promise<void>((resolve) => {
        for (const { socket } of links) {
          if (socket.destroyed) continue;
          socket.end('</stream:stream>');
          setTimeout(() => socket.destroy(), 500).unref();
        }
        server.close(() => resolve());
        setTimeout(resolve, 1000).unref();
      });
    },
  };
}
