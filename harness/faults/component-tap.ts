// A TCP relay between a real XMPP server's component port (XEP-0114) and our processes, which
// notes each XEP-0357 publish the server sent down a link and our answer to it: what the server
// saw, per publish, when its own answers cannot be read from outside. A publish names its
// registration by its node and its message by the summary's `last-message-body` (`m<seq>`, see
// message-load.ts). Stanzas are found by pattern in the stream text: a test tool for our own
// servers' output, not a parser for hostile input.
import net from 'node:net';
import type { PublishRecord } from './publisher.js';

export interface ComponentTap {
  /** Where our processes connect instead of the server's component port. */
  port: number;
  /** Every publish seen, with our answer ('' type: none before the link closed). */
  records(targetOf: (node: string) => number | undefined): PublishRecord[];
  close(): Promise<void>;
}

const PUBLISH = /<iq\b[^>]*>[\s\S]*?<\/iq>/g;
/** A whole answer: `<iq …/>`, or `<iq …>…</iq>` (an error, with its condition). */
const ANSWER = /<iq\b[^>]*?(?:\/>|>[\s\S]*?<\/iq>)/g;
const attr = (s: string, name: string) => new RegExp(`\\b${name}=['"]([^'"]*)`).exec(s)?.[1];

export async function startComponentTap(serverPort: number): Promise<ComponentTap> {
  const seen: Array<{ id: string; node: string; seq: number; at: number; link: number }> = [];
  let links = 0;
  const answers = new Map<
    string,
    { type: string; at: number; errorType?: string; condition?: string }
  >();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((ours) => {
    const up = net.connect(serverPort, '127.0.0.1');
    const link = links++;
    sockets.add(ours).add(up);
    // As ejabberd and our component do: without it, Nagle holds a forwarded stanza back until
    // the previous segment is acknowledged, which adds tens of milliseconds to what is measured.
    ours.setNoDelay(true);
    up.setNoDelay(true);
    let down = '';
    let back = '';
    up.on('data', (b) => {
      ours.write(b);
      down += b.toString();
      let last = 0;
      for (const m of down.matchAll(PUBLISH)) {
        const id = attr(m[0], 'id');
        const node = /<publish\b[^>]*\bnode=['"]([^'"]+)/.exec(m[0])?.[1];
        const seq = /var=['"]last-message-body['"][^>]*>\s*<value>m(\d+)<\/value>/.exec(m[0])?.[1];
        if (id && node && seq) seen.push({ id, node, seq: Number(seq), at: Date.now(), link });
        last = (m.index ?? 0) + m[0].length;
      }
      down = down.slice(last);
    });
    ours.on('data', (b) => {
      up.write(b);
      back += b.toString();
      let last = 0;
      for (const m of back.matchAll(ANSWER)) {
        last = (m.index ?? 0) + m[0].length;
        const head = /<iq\b[^>]*>/.exec(m[0])?.[0] ?? '';
        const id = attr(head, 'id');
        const type = attr(head, 'type');
        if (!id || (type !== 'result' && type !== 'error')) continue;
        const e = /<error\b[^>]*type=['"](\w+)['"][^>]*>\s*<([\w-]+)/.exec(m[0]);
        answers.set(id, { type, at: Date.now(), errorType: e?.[1], condition: e?.[2] });
      }
      // What follows the last whole answer is kept until the rest of it comes.
      back = back.slice(last);
    });
    const end = () => {
      ours.destroy();
      up.destroy();
    };
    for (const s of [ours, up]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    records(targetOf) {
      const out: PublishRecord[] = [];
      for (const p of seen) {
        const target = targetOf(p.node);
        if (target === undefined) continue;
        const a = answers.get(p.id);
        out.push({
          target,
          seq: p.seq,
          dueAt: p.at,
          sentAt: p.at,
          answeredAt: a?.at ?? Number.NaN,
          type: (a?.type ?? '') as PublishRecord['type'],
          errorType: a?.errorType,
          condition: a?.condition,
          link: p.link,
        });
      }
      return out;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
