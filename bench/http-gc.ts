// `node dist/bench/http-gc.js [rate] [seconds]`: how the garbage of HTTPS requests is collected
// in this Node, without any of our code. A client and a server in this process exchange small
// POSTs (an APNs push's size) at `rate` per second, first over HTTP/1.1 keep-alive, then over
// HTTP/2 (one session, as node-apn uses), and the young-generation collections (scavenges) of
// each run are printed. On Node 20 what an HTTP/2 request allocates is freed only by a full
// collection, so scavenges take several milliseconds each and full collections come often; over
// HTTP/1.1 scavenges stay under one. Both our process and the fake APNs pay that for
// every push (bench/README.md, "Garbage collection and HTTP/2").

import type { IncomingMessage } from 'node:http';
import { connect, createSecureServer, type Http2ServerRequest } from 'node:http2';
import { Agent, createServer, request as h1Request } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { testTls } from '../harness/tls.js';

const BODY = JSON.stringify({ aps: { alert: { title: 'New message' }, sound: 'default' } });

interface Collections {
  minor: number[];
  major: number[];
}

/** Sends `rate` requests a second for `seconds` with `send`; returns the collections meanwhile. */
async function measure(
  rate: number,
  seconds: number,
  send: () => Promise<void>,
): Promise<Collections> {
  const seen: Collections = { minor: [], major: [] };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) seen.minor.push(e.duration);
      else if (
        kind === constants.NODE_PERFORMANCE_GC_MAJOR ||
        kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL
      )
        seen.major.push(e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const total = rate * seconds;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    // Open loop on the clock: catch up after a pause rather than drift.
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send());
  }
  await Promise.all(pending);
  await new Promise((r) => setTimeout(r, 50)); // the observer reports asynchronously
  observer.disconnect();
  return seen;
}

function describe(what: string, c: Collections, seconds: number): string {
  const mean = c.minor.reduce((s, d) => s + d, 0) / (c.minor.length || 1);
  const max = Math.max(0, ...c.minor);
  return `${what.padEnd(22)} ${String(c.minor.length).padStart(5)} scavenges, mean ${mean.toFixed(2)} ms, max ${max.toFixed(2)} ms; ${c.major.length} full collections (${(c.major.length / seconds).toFixed(1)}/s)`;
}

/** Answers each request with an empty 200 once its body is read (as APNs answers a push). */
function answer(req: IncomingMessage | Http2ServerRequest, res: { end(): void }): void {
  req.resume();
  req.on('end', () => res.end());
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function http1(rate: number, seconds: number): Promise<Collections> {
  const server = createServer(testTls(), answer);
  const port = await listening(server);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const send = () =>
    new Promise<void>((resolve) => {
      const req = h1Request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/3/device/00',
          agent,
          rejectUnauthorized: false,
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => resolve());
      req.end(BODY);
    });
  try {
    return await measure(rate, seconds, send);
  } finally {
    agent.destroy();
    server.close();
  }
}

async function http2(rate: number, seconds: number): Promise<Collections> {
  const server = createSecureServer(testTls(), answer);
  const port = await listening(server);
  const session = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  const send = () =>
    new Promise<void>((resolve) => {
      const stream = session.request({ ':method': 'POST', ':path': '/3/device/00' });
      stream.on('error', () => resolve());
      stream.resume();
      stream.on('end', resolve);
      stream.end(BODY);
    });
  try {
    return await measure(rate, seconds, send);
  } finally {
    session.close();
    server.close();
  }
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? 1000);
  const seconds = Number(process.argv[3] ?? 5);
  if (!(rate > 0 && seconds > 0)) throw new Error('usage: http-gc.js [rate] [seconds]');
  console.log(
    `Node ${process.version}, ${rate} requests/s for ${seconds} s each, client and server in this process`,
  );
  console.log(describe('HTTPS/1.1 keep-alive', await http1(rate, seconds), seconds));
  console.log(describe('HTTP/2, one session', await http2(rate, seconds), seconds));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
