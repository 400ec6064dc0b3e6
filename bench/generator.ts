// The load generator plays the XMPP SERVER side of XEP-0114 (jabber:component:accept): it accepts
// the component's connection, checks its handshake (SHA-1 of stream id + secret), then sends
// XEP-0357 publishes shaped like Prosody's mod_cloud_notify ones and times each IQ's answer.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import LtxParser from 'ltx/lib/parsers/ltx.js';
import { nowMs } from './clock.js';

export type ParserKind = 'scan' | 'ltx';

export interface Target {
  node: string;
  secret: string;
  /** Registration index (its device token is deviceToken(index)). */
  index: number;
}

export interface PhaseOptions {
  /** Publishes to send, one per target. */
  targets: Target[];
  /** Offered load (publishes/s, open loop); undefined: closed loop with `window` outstanding. */
  rate?: number;
  window?: number;
  /** Give up when no answer came for this long (after the planned sends). */
  drainMs: number;
  onProgress?: (answered: number) => void;
}

export interface PhaseResult {
  sent: number;
  results: number;
  errors: number;
  /** Error conditions seen (first child of <error/>), counted. */
  errorKinds: Record<string, number>;
  unanswered: number;
  /** First send to last answer. */
  elapsedMs: number;
  firstSendMs: number;
  lastSendMs: number;
  /** Per publish (same order as targets): when it was written, ms on the shared clock. */
  sendTimes: Float64Array;
  /** Per publish: IQ answer latency in ms (NaN when unanswered). */
  replyMs: Float64Array;
}

const NS_STREAM = 'http://etherx.jabber.org/streams';

/** A publish as Prosody 0.12 mod_cloud_notify sends it (util.dataforms `form` of push_form). */
export function publishStanza(id: string, t: Target, from: string, to: string): string {
  return (
    `<iq type='set' from='${from}' to='${to}' id='${id}'>` +
    `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${t.node}'><item>` +
    `<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='form'>` +
    `<field type='hidden' var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>` +
    `<field type='text-single' var='message-count'><value>1</value></field>` +
    `<field type='text-single' var='pending-subscription-count'/>` +
    `<field type='jid-single' var='last-message-sender'><value>sender@localhost/bench</value></field>` +
    `<field type='text-single' var='last-message-body'><value>Hello from the bench ${t.index}</value></field>` +
    `</x></notification></item></publish>` +
    `<publish-options><x xmlns='jabber:x:data' type='submit'>` +
    `<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
    `<field var='secret'><value>${t.secret}</value></field>` +
    `</x></publish-options></pubsub></iq>`
  );
}

/** Prosody's ids are SHA-256 hex; ours carry the sequence number in hex, same length. */
const iqId = (seq: number) => seq.toString(16).padStart(64, '0');

interface Answer {
  id: string;
  type: string;
  condition?: string;
}

/**
 * Finds answered IQs in the stream. `scan`: a regular expression over start tags (only <iq> and
 * the condition inside <error>); `ltx`: ltx's streaming SAX parser (full XML tokenizing).
 */
interface Reader {
  write(chunk: string): void;
}

function scanReader(onAnswer: (a: Answer) => void, onEnd: (why: string) => void): Reader {
  let pending = '';
  let open: Answer | undefined;
  let inError = false;
  const TAG = /<(\/?)([a-zA-Z:-]+)\b([^>]*)>/g;
  const attr = (s: string, name: string) => new RegExp(`\\s${name}=(['"])([^'"]*)\\1`).exec(s)?.[2];
  return {
    write(chunk) {
      const s = pending + chunk;
      TAG.lastIndex = 0;
      let last = 0;
      for (let m = TAG.exec(s); m; m = TAG.exec(s)) {
        last = TAG.lastIndex;
        const [, close, name, rest = ''] = m;
        if (name === 'iq') {
          if (close) {
            if (open) onAnswer(open);
            open = undefined;
            continue;
          }
          const a: Answer = { id: attr(rest, 'id') ?? '', type: attr(rest, 'type') ?? '' };
          inError = false;
          if (rest.endsWith('/')) onAnswer(a);
          else open = a;
        } else if (open?.type === 'error' && !close && open.condition === undefined) {
          if (name === 'error') inError = true;
          else if (inError && name !== 'text') open.condition = name;
        } else if (name === 'stream:error' || (close && name === 'stream:stream')) {
          onEnd(name);
        }
      }
      const lt = s.lastIndexOf('<');
      pending = lt >= last && s.indexOf('>', lt) === -1 ? s.slice(lt) : '';
    },
  };
}

function ltxReader(onAnswer: (a: Answer) => void, onEnd: (why: string) => void): Reader {
  const p = new LtxParser();
  let depth = 0;
  let inError = false;
  let open: Answer | undefined;
  p.on('startElement', (name: string, attrs: Record<string, string>) => {
    depth++;
    if (depth === 1 && name === 'iq') open = { id: attrs.id ?? '', type: attrs.type ?? '' };
    else if (depth === 2 && open) inError = name === 'error';
    else if (depth === 3 && inError && open && open.condition === undefined) {
      if (name !== 'text') open.condition = name;
    } else if (depth === 1 && name === 'stream:error') onEnd(name);
  });
  p.on('endElement', (name: string) => {
    depth--;
    if (depth === 0 && name === 'iq' && open) {
      onAnswer(open);
      open = undefined;
    }
    if (depth < 0) onEnd('stream:stream');
  });
  p.on('error', (err: Error) => onEnd(`XML error: ${err.message}`));
  // The stream header was consumed by the handshake: stanzas come at depth 1.
  return {
    write(chunk) {
      p.write(chunk);
    },
  };
}

export interface LoadServer {
  port: number;
  /** Resolves once a component has completed the handshake. */
  waitComponent(timeoutMs: number): Promise<void>;
  run(o: PhaseOptions): Promise<PhaseResult>;
  /** Bytes written by the generator so far. */
  readonly bytesOut: number;
  /** Closes the component's stream and the listener. */
  close(): Promise<void>;
}

export async function startLoadServer(o: {
  domain: string;
  secret: string;
  /** `from` of the publishes (the user's server). */
  serverDomain: string;
  parser: ParserKind;
}): Promise<LoadServer> {
  let socket: net.Socket | undefined;
  let online = false;
  let ended: string | undefined;
  let onAnswer: (a: Answer) => void = () => undefined;
  const onlineWaiters: Array<() => void> = [];
  let bytesOut = 0;
  let seqBase = 0;

  const server = net.createServer((s) => {
    if (socket) {
      s.end(
        `<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
      );
      return;
    }
    socket = s;
    s.setNoDelay(true);
    s.setEncoding('utf8');
    s.on('error', () => undefined);
    s.on('close', () => {
      socket = undefined;
      online = false;
      ended ??= 'connection closed';
    });
    const streamId = randomBytes(8).toString('hex');
    let head = '';
    let headerAnswered = false;
    let reader: Reader | undefined;
    s.on('data', (chunk: string) => {
      if (reader) return reader.write(chunk);
      head += chunk;
      if (!headerAnswered) {
        if (!/<stream:stream\b[^>]*>/.test(head)) return;
        headerAnswered = true;
        s.write(
          `<?xml version='1.0'?><stream:stream xmlns:stream='${NS_STREAM}' xml:lang='en' ` +
            `id='${streamId}' from='${o.domain}' xmlns='jabber:component:accept'>`,
        );
      }
      const hs = /<handshake>([0-9a-fA-F]*)<\/handshake>/.exec(head);
      if (!hs) return;
      const want = createHash('sha1')
        .update(streamId + o.secret)
        .digest('hex');
      if (hs[1]?.toLowerCase() !== want) {
        s.end(
          `<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
        );
        return;
      }
      s.write('<handshake/>');
      const rest = head.slice((hs.index ?? 0) + hs[0].length);
      ended = undefined;
      const end = (why: string) => {
        ended = why;
      };
      reader =
        o.parser === 'ltx'
          ? ltxReader((a) => onAnswer(a), end)
          : scanReader((a) => onAnswer(a), end);
      online = true;
      for (const w of onlineWaiters.splice(0)) w();
      if (rest) reader.write(rest);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  async function run(p: PhaseOptions): Promise<PhaseResult> {
    const sock = socket;
    if (!sock || !online) throw new Error('no component is connected');
    const n = p.targets.length;
    const base = seqBase;
    seqBase += n;
    const sendTimes = new Float64Array(n).fill(Number.NaN);
    const replyMs = new Float64Array(n).fill(Number.NaN);
    const errorKinds: Record<string, number> = {};
    let sent = 0;
    let answered = 0;
    let results = 0;
    let errors = 0;
    let lastAnswer = 0;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let progressAt = 0;

    const write = (count: number) => {
      if (count <= 0) return;
      const parts: string[] = [];
      const end = Math.min(n, sent + count);
      for (let i = sent; i < end; i++) {
        parts.push(publishStanza(iqId(base + i), p.targets[i] as Target, o.serverDomain, o.domain));
      }
      const data = parts.join('');
      const t = nowMs();
      for (let i = sent; i < end; i++) sendTimes[i] = t;
      sent = end;
      bytesOut += data.length;
      sock.write(data);
    };

    onAnswer = (a) => {
      const i = Number.parseInt(a.id, 16) - base;
      if (!(i >= 0 && i < n) || !Number.isNaN(replyMs[i] as number)) return;
      const t = nowMs();
      replyMs[i] = t - (sendTimes[i] as number);
      lastAnswer = t;
      answered++;
      if (a.type === 'result') results++;
      else {
        errors++;
        const k = a.condition ?? a.type;
        errorKinds[k] = (errorKinds[k] ?? 0) + 1;
      }
      if (p.rate === undefined) window();
      if (answered === n) finish();
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
    let tick: NodeJS.Timeout | undefined;
    if (p.rate === undefined) {
      write(w);
    } else {
      const rate = p.rate;
      const pace = () => {
        tick = undefined;
        const due = Math.min(n, Math.floor(((nowMs() - t0) * rate) / 1000) + 1);
        write(due - sent);
        if (sent < n && !ended) tick = setTimeout(pace, 1);
      };
      pace();
    }
    // Bounded: the phase ends when the stream ends, when nothing was answered for drainMs after
    // the sends that were due, and at the latest after the planned time + drainMs + 10 ms each.
    const plannedMs = p.rate === undefined ? 0 : (n / p.rate) * 1000;
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
    p.onProgress?.(answered);
    const firstSendMs = sendTimes[0] ?? t0;
    return {
      sent,
      results,
      errors,
      errorKinds,
      unanswered: n - answered,
      elapsedMs: (answered > 0 ? lastAnswer : nowMs()) - firstSendMs,
      firstSendMs,
      lastSendMs: sent > 0 ? (sendTimes[sent - 1] as number) : firstSendMs,
      sendTimes,
      replyMs,
    };
  }

  return {
    port,
    get bytesOut() {
      return bytesOut;
    },
    waitComponent(timeoutMs) {
      if (online) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no component connected within ${timeoutMs} ms`)),
          timeoutMs,
        );
        onlineWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    run,
    close() {
      return new Promise<void>((resolve) => {
        if (socket && !socket.destroyed) {
          socket.end('</stream:stream>');
          const s = socket;
          setTimeout(() => s.destroy(), 500).unref();
        }
        server.close(() => resolve());
        setTimeout(resolve, 1000).unref();
      });
    },
  };
}
