// The user's XMPP server as the fault suite plays it: the server side of XEP-0114
// (jabber:component:accept, handshake = SHA-1 of stream id + secret) that sends XEP-0357 publishes
// shaped like Prosody 0.12 mod_cloud_notify's at a steady rate and records every answer. Unlike
// bench/generator.ts it outlives its components: a component that dies and connects again simply
// gets the next publishes, and the publishes due while none is connected are counted as unsent.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import LtxParser from 'ltx/lib/parsers/ltx.js';

export interface Target {
  node: string;
  secret: string;
}

export interface PublishRecord {
  target: number;
  /** 1, 2, 3… per target; sent as the summary's `message-count`, so a push names its publish. */
  seq: number;
  /** Date.now() when it was due. */
  dueAt: number;
  /** Date.now() when written; NaN when no component was connected (not sent). */
  sentAt: number;
  answeredAt: number;
  /** '' while unanswered. */
  type: '' | 'result' | 'error';
  /** `<error type>` and its condition, for error answers. */
  errorType?: string;
  condition?: string;
}

export interface LinkRecord {
  /** Date.now() when the handshake completed. */
  onlineAt: number;
  closedAt?: number;
}

export interface Publisher {
  port: number;
  readonly connections: number;
  readonly links: LinkRecord[];
  readonly records: PublishRecord[];
  /** Resolves once `count` components are connected (now or later). */
  waitOnline(timeoutMs: number, count?: number): Promise<void>;
  /**
   * From now on, targets for which `quiet` holds get no more publishes (the rate stays, spread
   * over the others): their last pushes can only come from what was queued before.
   */
  mute(quiet: (target: number) => boolean): void;
  /** Sends publishes to targets round-robin at `ratePerS` for `durationMs`. */
  run(o: { targets: Target[]; ratePerS: number; durationMs: number }): Promise<void>;
  /** Resolves when every sent publish was answered or its link closed, or after `timeoutMs`. */
  settle(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const NS_STREAM = 'http://etherx.jabber.org/streams';

export function publishStanza(id: string, t: Target, seq: number, from: string, to: string) {
  return (
    `<iq type='set' from='${from}' to='${to}' id='${id}'>` +
    `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${t.node}'><item>` +
    `<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='form'>` +
    `<field type='hidden' var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>` +
    `<field type='text-single' var='message-count'><value>${seq}</value></field>` +
    `<field type='text-single' var='pending-subscription-count'/>` +
    `<field type='jid-single' var='last-message-sender'><value>sender@localhost/faults</value></field>` +
    `<field type='text-single' var='last-message-body'><value>message ${seq}</value></field>` +
    `</x></notification></item></publish>` +
    `<publish-options><x xmlns='jabber:x:data' type='submit'>` +
    `<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
    `<field var='secret'><value>${t.secret}</value></field>` +
    `</x></publish-options></pubsub></iq>`
  );
}

interface Link {
  socket: net.Socket;
  record: LinkRecord;
  /** Indexes of publishes written on this link and not answered yet. */
  pending: Set<number>;
}

/** Reads answered IQs (depth 1 of the stream) and hands each to `onAnswer`. */
function answerReader(
  onAnswer: (id: string, type: string, errType?: string, cond?: string) => void,
) {
  const p = new LtxParser();
  let depth = 0;
  let iq: { id: string; type: string; errType?: string; cond?: string } | undefined;
  let inError = false;
  p.on('startElement', (name: string, attrs: Record<string, string>) => {
    depth++;
    if (depth === 1)
      iq = name === 'iq' ? { id: attrs.id ?? '', type: attrs.type ?? '' } : undefined;
    else if (depth === 2 && iq) {
      inError = name === 'error';
      if (inError) iq.errType = attrs.type;
    } else if (depth === 3 && inError && iq && iq.cond === undefined && name !== 'text') {
      iq.cond = name;
    }
  });
  p.on('endElement', () => {
    depth--;
    if (depth === 0 && iq) onAnswer(iq.id, iq.type, iq.errType, iq.cond);
    if (depth === 0) iq = undefined;
  });
  p.on('error', () => undefined);
  return (chunk: string) => p.write(chunk);
}

export async function startPublisher(o: {
  /** The component's domain. */
  domain: string;
  secret: string;
  /** `from` of the publishes: the user's server. */
  serverDomain: string;
}): Promise<Publisher> {
  const links: Link[] = [];
  const linkRecords: LinkRecord[] = [];
  const records: PublishRecord[] = [];
  const waiters = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  let quiet: (target: number) => boolean = () => false;
  const wake = () => {
    for (const w of waiters) w();
  };

  const onAnswer = (link: Link) => (id: string, type: string, errType?: string, cond?: string) => {
    const i = Number(id.slice(1));
    const r = id.startsWith('p') ? records[i] : undefined;
    if (r?.type !== '' || !link.pending.delete(i)) return;
    r.answeredAt = Date.now();
    r.type = type === 'result' ? 'result' : 'error';
    if (r.type === 'error') {
      r.errorType = errType;
      r.condition = cond;
    }
    if (link.pending.size === 0) wake();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    const streamId = randomBytes(8).toString('hex');
    let head = '';
    let sentHeader = false;
    let read: ((chunk: string) => void) | undefined;
    let link: Link | undefined;
    socket.on('close', () => {
      sockets.delete(socket);
      if (!link) return;
      link.record.closedAt = Date.now();
      links.splice(links.indexOf(link), 1);
      link.pending.clear();
      wake();
    });
    socket.on('data', (chunk: string) => {
      if (read) return read(chunk);
      head += chunk;
      if (!sentHeader) {
        if (!/<stream:stream\b[^>]*>/.test(head)) return;
        sentHeader = true;
        socket.write(
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
        socket.end(
          `<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
        );
        return;
      }
      socket.write('<handshake/>');
      const l: Link = { socket, record: { onlineAt: Date.now() }, pending: new Set() };
      link = l;
      links.push(l);
      linkRecords.push(l.record);
      read = answerReader(onAnswer(l));
      const rest = head.slice((hs.index ?? 0) + hs[0].length);
      if (rest) read(rest);
      wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  const until = (done: () => boolean, timeoutMs: number, what: string, fail: boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        if (fail) reject(new Error(`${what} within ${timeoutMs} ms`));
        else resolve();
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    port,
    get connections() {
      return links.length;
    },
    links: linkRecords,
    records,
    waitOnline(timeoutMs, count = 1) {
      return until(() => links.length >= count, timeoutMs, `no ${count} component(s) online`, true);
    },
    mute(q) {
      quiet = q;
    },
    async run({ targets, ratePerS, durationMs }) {
      const seqs = new Array<number>(targets.length).fill(0);
      let next = 0;
      let turn = 0;
      let rr = 0;
      const t0 = Date.now();
      const total = Math.floor((durationMs * ratePerS) / 1000);
      while (next < total) {
        const due = Math.min(total, Math.floor(((Date.now() - t0) * ratePerS) / 1000) + 1);
        const parts = new Map<Link, string[]>();
        for (; next < due; next++) {
          let target = turn++ % targets.length;
          for (let k = 0; quiet(target) && k < targets.length; k++)
            target = turn++ % targets.length;
          const seq = (seqs[target] ?? 0) + 1;
          seqs[target] = seq;
          const index = records.length;
          const now = Date.now();
          const r: PublishRecord = {
            target,
            seq,
            dueAt: now,
            sentAt: Number.NaN,
            answeredAt: Number.NaN,
            type: '',
          };
          records.push(r);
          const link = links.length > 0 ? links[rr++ % links.length] : undefined;
          if (!link) continue;
          r.sentAt = now;
          link.pending.add(index);
          const t = targets[target] as Target;
          const list = parts.get(link) ?? [];
          list.push(publishStanza(`p${index}`, t, seq, o.serverDomain, o.domain));
          parts.set(link, list);
        }
        for (const [link, list] of parts) link.socket.write(list.join(''));
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    settle(timeoutMs) {
      return until(() => links.every((l) => l.pending.size === 0), timeoutMs, '', false);
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}
