// The user's XMPP server as the fault suite plays it: the server side of XEP-0114
// (../fakes/component-port.ts) sending XEP-0357 publishes at a steady rate and recording every
// answer. Unlike bench/generator.ts it outlives its components: a component that dies and
// connects again simply gets the next publishes, and the publishes due while none is connected
// are counted as unsent.
import net from 'node:net';
import {
  acceptComponent,
  type IqAnswer,
  iqAnswerReader,
  publishStanza,
} from '../fakes/component-port.js';

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
  /** Which component link carried it (0, 1… in connection order), where that is known. */
  link?: number;
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

interface Link {
  socket: net.Socket;
  record: LinkRecord;
  /** Indexes of publishes written on this link and not answered yet. */
  pending: Set<number>;
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

  const onAnswer =
    (link: Link) =>
    ({ id, type, errorType, condition }: IqAnswer) => {
      const i = Number(id.slice(1));
      const r = id.startsWith('p') ? records[i] : undefined;
      if (r?.type !== '' || !link.pending.delete(i)) return;
      r.answeredAt = Date.now();
      r.type = type === 'result' ? 'result' : 'error';
      if (r.type === 'error') {
        r.errorType = errorType;
        r.condition = condition;
      }
      if (link.pending.size === 0) wake();
    };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    let link: Link | undefined;
    socket.on('close', () => {
      sockets.delete(socket);
      if (!link) return;
      link.record.closedAt = Date.now();
      links.splice(links.indexOf(link), 1);
      link.pending.clear();
      wake();
    });
    acceptComponent(socket, o, () => {
      const l: Link = { socket, record: { onlineAt: Date.now() }, pending: new Set() };
      link = l;
      links.push(l);
      linkRecords.push(l.record);
      wake();
      return iqAnswerReader(onAnswer(l));
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
          const body = `message ${seq}`;
          const content = { ...t, count: seq, sender: 'sender@localhost/faults', body };
          list.push(publishStanza(`p${index}`, o.serverDomain, o.domain, content));
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
