// Publishes through a real XMPP server: one sender sends chat messages (`m<seq>`, 1, 2, 3… per
// user) to offline users u<i>@localhost at a steady rate, and the server turns each into a
// XEP-0357 publish. When the server goes away the sender logs in again as soon as it can; what
// was due meanwhile is not sent (the server never saw it, so it made no publish).
import type { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { corkForThisTurn } from '../../lib/cork.js';
import type { TestClient } from '../servers/xmpp-client.js';

export interface MessageLoad {
  run(o: { targets: number; ratePerS: number; durationMs: number }): Promise<void>;
  mute(quiet: (target: number) => boolean): void;
  /** Messages written to the sender's stream, and those due while it was not connected. */
  readonly stats: { sent: number; dropped: number; logins: number };
  /** Every message written: to u<target>, body m<seq>, at Date.now() `at`. */
  readonly sent: Array<{ target: number; seq: number; at: number }>;
  /** The messages the server acknowledged (XEP-0198), when the sender logs in with it. */
  readonly acked: Array<{ target: number; seq: number; at: number }>;
  stop(): Promise<void>;
}

export function messageLoad(connect: () => Promise<TestClient>): MessageLoad {
  let client: TestClient | undefined;
  let connecting: Promise<void> | undefined;
  let quiet: (target: number) => boolean = () => false;
  const stats = { sent: 0, dropped: 0, logins: 0 };
  const sent: MessageLoad['sent'] = [];
  const acked: MessageLoad['acked'] = [];
  const sentAt = new Map<string, number>();
  // Each user's messages are numbered on across runs (a warm-up, then the measured run).
  const seqs: number[] = [];
  const onAck = (stanza: { attrs: { to?: string }; getChildText(name: string): string | null }) => {
    const key = `${/^u(\d+)@/.exec(stanza.attrs.to ?? '')?.[1]}/${stanza.getChildText('body')?.slice(1)}`;
    const at = sentAt.get(key);
    if (at === undefined) return;
    sentAt.delete(key);
    const [target, seq] = key.split('/').map(Number) as [number, number];
    acked.push({ target, seq, at });
  };
  const reconnect = () => {
    connecting ??= (async () => {
      const old = client;
      client = undefined;
      await old?.stop().catch(() => undefined);
      for (;;) {
        try {
          client = await connect();
          // The typings omit it, but the stream-management plugin is an EventEmitter.
          (client.xmpp.streamManagement as unknown as EventEmitter).on('ack', onAck);
          stats.logins++;
          return;
        } catch {
          await sleep(100);
        }
      }
    })().finally(() => {
      connecting = undefined;
    });
  };
  return {
    stats,
    sent,
    acked,
    mute(q) {
      quiet = q;
    },
    async run({ targets, ratePerS, durationMs }) {
      if (!client) {
        reconnect();
        await connecting;
      }
      const total = Math.floor((durationMs * ratePerS) / 1000);
      const t0 = Date.now();
      let turn = 0;
      for (let next = 0; next < total; ) {
        const due = Math.min(total, Math.floor(((Date.now() - t0) * ratePerS) / 1000) + 1);
        // One write per round instead of one per message: on loopback a write costs the sender
        // the server's side of TCP too, and the test process shares the CPU with what it measures.
        const socket = client?.xmpp.socket;
        if (socket instanceof Socket) corkForThisTurn(socket);
        for (; next < due; next++) {
          let target = turn++ % targets;
          for (let k = 0; quiet(target) && k < targets; k++) target = turn++ % targets;
          const c = client;
          if (c && c.xmpp.status !== 'online') reconnect();
          if (!c || c !== client) {
            stats.dropped++;
            continue;
          }
          const seq = (seqs[target] ?? 0) + 1;
          seqs[target] = seq;
          stats.sent++;
          sent.push({ target, seq, at: Date.now() });
          const to = `u${target}@localhost`;
          // Without XEP-0198 nothing needs the stanza as an element: the text is written as is,
          // sparing the test process xmpp.js's per-stanza work (JID parsing, middleware).
          let sending: Promise<void>;
          if (c.xmpp.streamManagement.enabled) {
            sentAt.set(`${target}/${seq}`, Date.now());
            sending = c.sendMessage(to, `m${seq}`);
          } else {
            sending = c.xmpp.write(
              `<message to='${to}' type='chat'><body>m${seq}</body></message>`,
            );
          }
          sending.catch(() => {
            if (client === c) reconnect();
          });
        }
        await sleep(5);
      }
    },
    async stop() {
      await connecting;
      await client?.stop();
    },
  };
}
