// The second mode: a real Prosody 0.12 with mod_cloud_notify between the users and our process.
// N users register a device over ad-hoc, enable XEP-0357 and go offline; a sender sends M offline
// messages spread over them; every message should become exactly one push. Then the same users
// get bursts (prosody-burst.ts): the no-op component's answer rate against ours, through Prosody.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApnsTestKey } from '../harness/fakes/apns-server.js';
import { freePort } from '../harness/servers/ports.js';
import { startProsody } from '../harness/servers/prosody.js';
import { connectClient, NS_DATA, type TestClient, xml } from '../harness/servers/xmpp-client.js';
import { type Child, forkChild, onCleanup, readMemory, tempDir } from './children.js';
import { nowMs } from './clock.js';
import type { FakeApnsChild } from './fake-apns.js';
import {
  COMPONENT_DOMAIN,
  scrapePublishes,
  startOurProcess,
  writeOurConfig,
} from './our-process.js';
import { type BurstRun, noopCounter, runBurst } from './prosody-burst.js';
import { Progress, percentile } from './report.js';

/** Device tokens of Prosody users start here (the generator's registrations use 0…). */
const TOKEN_BASE = 0x4000_0000;
const PASSWORD = 'bench-pass';

export interface ProsodyResult {
  users: number;
  messages: number;
  pushes: number;
  pushesPerOfflineMessage: number;
  pushesPerS: number;
  /** Message sent → push at the fake APNs. */
  p50Ms: number;
  p99Ms: number;
  /** Messages whose push did not come within the per-message timeout. */
  missing: number;
  elapsedMs: number;
  setupMs: number;
  rssMb: number;
  /** The bursts: the no-op component, then ours, each to its own half of the users. */
  burst?: { noop: BurstRun; ours: BurstRun; ratio: number };
}

export function prosodyAvailable(): boolean {
  return existsSync('/usr/bin/prosody') && existsSync('/usr/lib/prosody/modules/mod_cloud_notify');
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export async function runProsodyMode(o: {
  users: number;
  messages: number;
  fake: FakeApnsChild;
  key: ApnsTestKey;
  ratePerMinute: number;
  /** Offline messages of each burst (0: no bursts). */
  burstMessages: number;
  /** Bounds the whole mode. */
  deadlineMs: number;
}): Promise<ProsodyResult> {
  const deadline = Date.now() + o.deadlineMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const t0 = Date.now();
  const secret = 'bench-component-secret';
  const prosody = await startProsody({ componentSecret: secret, logLevel: 'warn' });
  onCleanup('stop Prosody', () => prosody.stop());
  const names = Array.from({ length: o.users }, (_, u) => `user${u}`);
  // One sender for the paced run and one for each burst: Prosody archives every message the
  // sender sends (mod_mam, internal storage), and appending to a longer archive costs more, so
  // a burst from a sender that sent before would run slower for that reason alone.
  const senders = ['sender', 'sender-noop', 'sender-ours'];
  const reg = new Progress('Prosody: create users (prosodyctl)', o.users + senders.length);
  let made = 0;
  await pool([...names, ...senders], 4, async (name) => {
    await prosody.register(name, PASSWORD);
    reg.update(++made);
  });
  reg.done(`${made} accounts`);

  const dir = tempDir('xpr-bench-prosody-');
  const httpPort = await freePort();
  const config = writeOurConfig({
    dir,
    httpPort,
    storeDir: join(dir, 'store'),
    componentPort: prosody.componentPort,
    secret,
    apns: { url: o.fake.url, ca: o.fake.ca, key: o.key },
    ratePerMinute: o.ratePerMinute,
  });
  let ours = startOurProcess(config);
  // Prosody shows the component as connected once the handshake is done: wait for disco.
  const clients: TestClient[] = [];
  onCleanup('stop XMPP clients', () => Promise.all(clients.map((c) => c.stop())));
  const connect = async (username: string) => {
    const c = await connectClient({ port: prosody.c2sPort, username, password: PASSWORD });
    clients.push(c);
    return c;
  };
  let sender = await connect('sender');
  const online = async (p: Child) => {
    for (let i = 0; ; i++) {
      if (p.exitReason()) throw new Error(`${p.exitReason()}\n${p.output()}`);
      try {
        const query = xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' });
        await sender.iq(xml('iq', { type: 'get', to: COMPONENT_DOMAIN }, query), 1000);
        return;
      } catch (err) {
        if (i > 100 || Date.now() > deadline) {
          throw new Error(
            `our process did not come online through Prosody: ${(err as Error).message}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await online(ours);

  const enable = new Progress('Prosody: register + enable push', o.users);
  let enabled = 0;
  await pool(names, 8, async (name) => {
    const u = Number(name.slice(4));
    const c = await connect(name);
    const command = await c.executeCommand(COMPONENT_DOMAIN, 'register-push-apns', {
      token: (TOKEN_BASE + u).toString(16).padStart(64, '0'),
      'device-id': `bench-${u}`,
    });
    const fields = new Map(
      (command.getChild('x', NS_DATA)?.getChildren('field') ?? []).map((f) => [
        f.attrs.var,
        f.getChildText('value') ?? '',
      ]),
    );
    await c.enablePush({
      jid: fields.get('jid') ?? '',
      node: fields.get('node') ?? '',
      secret: fields.get('secret'),
    });
    await c.stop();
    clients.splice(clients.indexOf(c), 1);
    enable.update(++enabled);
    if (Date.now() > deadline) throw new Error('Prosody mode: out of time while registering');
  });
  enable.done(`${enabled} users registered, push enabled, offline`);
  const setupMs = Date.now() - t0;

  // One message in flight per user: the next one for a user goes out once the previous one's push
  // has reached the fake APNs, so the relay never coalesces two of them (and rate_per_minute is
  // set high enough that no spacing delays a push).
  const progress = new Progress('Prosody: offline messages → pushes', o.messages);
  const sentAt = new Map<number, number>(); // user → send time of the message in flight
  const latencies: number[] = [];
  let sent = 0;
  let pushed = 0;
  let missing = 0;
  let finish: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const timers = new Map<number, NodeJS.Timeout>();
  const PER_MESSAGE_TIMEOUT_MS = 10_000;
  const sendTo = (u: number) => {
    if (sent >= o.messages) {
      if (sentAt.size === 0) finish();
      return;
    }
    sent++;
    sentAt.set(u, nowMs());
    timers.set(
      u,
      setTimeout(() => {
        missing++;
        sentAt.delete(u);
        sendTo(u);
      }, PER_MESSAGE_TIMEOUT_MS),
    );
    void sender.sendMessage(`user${u}@localhost`, `offline message ${sent}`);
  };
  const pushesBefore = o.fake.total;
  o.fake.onArrivals = (indexes) => {
    for (const index of indexes) {
      const u = index - TOKEN_BASE;
      if (u < 0 || u >= o.users) continue;
      pushed++;
      const at = sentAt.get(u);
      if (at === undefined) continue; // an extra push: counted, not awaited
      latencies.push(nowMs() - at);
      sentAt.delete(u);
      clearTimeout(timers.get(u));
      progress.update(pushed);
      sendTo(u);
    }
  };
  const start = nowMs();
  for (let u = 0; u < o.users; u++) sendTo(u);
  const guard = setTimeout(finish, left());
  await allDone;
  const elapsedMs = nowMs() - start;
  clearTimeout(guard);
  for (const t of timers.values()) clearTimeout(t);
  // Extra pushes (duplicates) would come shortly after: give them a moment to show.
  await new Promise((r) => setTimeout(r, Math.min(1500, left())));
  o.fake.onArrivals = undefined;
  const rssMb = readMemory(ours.pid)?.hwmMb ?? Number.NaN;
  progress.done(
    `${pushed} pushes for ${sent} messages (${o.fake.total - pushesBefore} at the fake)`,
  );

  // The bursts. Each run has its own half of the users, so that neither meets the offline
  // messages the other left in Prosody's storage, its own sender (see `senders`) and a freshly
  // started Prosody (mod_cloud_notify keeps two hooks for every publish answered with a result).
  let burst: ProsodyResult['burst'];
  if (o.burstMessages > 0) {
    await ours.stop();
    const half = Math.max(1, Math.floor(o.users / 2));
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    const freshProsody = async (from: string) => {
      await sender.stop();
      clients.splice(clients.indexOf(sender), 1);
      await prosody.restart();
      sender = await connect(from);
      return { sender, messages: o.burstMessages, deadlineMs: left() };
    };
    let common = await freshProsody('sender-noop');
    const noop = forkChild(
      'no-op component (Prosody)',
      fileURLToPath(new URL('./noop-component.js', import.meta.url)),
      [String(prosody.componentPort), COMPONENT_DOMAIN, secret],
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the no-op did not connect in 10 s')),
        10_000,
      );
      noop.proc.on('message', (m: { type?: string }) => {
        if (m?.type !== 'online') return;
        clearTimeout(timer);
        resolve();
      });
      void noop.exited.then(() => reject(new Error(`${noop.exitReason()}\n${noop.output()}`)));
    });
    const noopRun = await runBurst({
      ...common,
      label: 'Prosody burst: no-op component',
      users: range(0, half),
      count: noopCounter(noop),
      pids: { component: noop.pid, prosody: prosody.pid ?? -1, generator: process.pid },
    });
    await noop.stop();
    common = await freshProsody('sender-ours');
    ours = startOurProcess(config);
    await online(ours);
    const total = async () => {
      const p = await scrapePublishes(httpPort);
      return p ? Object.values(p).reduce((a, b) => a + b, 0) : Number.NaN;
    };
    const before = (await scrapePublishes(httpPort)) ?? {};
    const ourRun = await runBurst({
      ...common,
      label: 'Prosody burst: our process',
      users: o.users > 1 ? range(half, o.users) : [0],
      count: total,
      pids: { component: ours.pid, prosody: prosody.pid ?? -1, generator: process.pid },
    });
    const after = (await scrapePublishes(httpPort)) ?? {};
    ourRun.outcomes = Object.fromEntries(
      Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]),
    );
    burst = { noop: noopRun, ours: ourRun, ratio: ourRun.publishesPerS / noopRun.publishesPerS };
  }
  await sender.stop();
  await ours.stop();
  await prosody.stop();
  return {
    users: o.users,
    messages: sent,
    pushes: pushed,
    pushesPerOfflineMessage: sent > 0 ? pushed / sent : Number.NaN,
    pushesPerS: pushed / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    missing,
    elapsedMs,
    setupMs,
    rssMb,
    burst,
  };
}
