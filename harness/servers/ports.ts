// Loopback port helpers for the test servers.
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** `n` distinct free TCP ports on 127.0.0.1 (all bound at once, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('freePort: no port');
  return port;
}

type Probe = (socket: net.Socket, done: (ok: boolean) => void) => void;

/** One connection attempt: `probe` decides (default: connected is enough). */
function attempt(port: number, host: string, probe?: Probe): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => (probe ? probe(socket, done) : done(true)));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

export interface WaitForPortOptions {
  host?: string;
  /** Polled between attempts: return a reason (e.g. "process exited") to give up early. */
  abort?: () => string | undefined;
}

async function poll(
  what: string,
  timeoutMs: number,
  opts: WaitForPortOptions,
  once: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = opts.abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (await once()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Resolves once something accepts TCP connections on `port`; rejects after `timeoutMs`. */
export function waitForPort(
  port: number,
  timeoutMs: number,
  opts: WaitForPortOptions = {},
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  return poll(`waitForPort ${host}:${port}`, timeoutMs, opts, () => attempt(port, host));
}

/**
 * Resolves once an XMPP server answers a stream header on `port` with its own. An open port
 * is not enough: ejabberd listens early but only accepts once it has fully started.
 */
export function waitForStream(
  port: number,
  timeoutMs: number,
  opts: WaitForPortOptions & { xmlns: 'jabber:client' | 'jabber:component:accept'; to: string },
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const header =
    `<?xml version='1.0'?><stream:stream xmlns='${opts.xmlns}' to='${opts.to}' ` +
    "version='1.0' xmlns:stream='http://etherx.jabber.org/streams'>";
  const probe: Probe = (socket, done) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (/<(stream:)?stream\b/.test(got)) done(true);
    });
    socket.write(header);
  };
  return poll(`waitForStream ${host}:${port}`, timeoutMs, opts, () => attempt(port, host, probe));
}

/** Resolves once a private XMPP server answers on its client port and on its component port. */
export async function waitForXmppServer(o: {
  c2sPort: number;
  componentPort: number;
  componentDomain: string;
  timeoutMs: number;
  abort: () => string | undefined;
}): Promise<void> {
  const { abort, timeoutMs } = o;
  await waitForStream(o.c2sPort, timeoutMs, { abort, xmlns: 'jabber:client', to: 'localhost' });
  await waitForStream(o.componentPort, timeoutMs, {
    abort,
    xmlns: 'jabber:component:accept',
    to: o.componentDomain,
  });
}

/**
 * Keeps every TCP connection `server` accepts, also one still in its TLS handshake (not yet an
 * HTTP connection or an HTTP/2 session, which the server's close() would wait for):
 * destroyAll() ends them all.
 */
export function everyConnection(server: net.Server): { destroyAll(): void } {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}

/** Both ends of one TCP connection over loopback, and the listening port; close() ends all. */
export interface LoopbackPair {
  client: net.Socket;
  /** The server's end. */
  peer: net.Socket;
  port: number;
  close(): void;
}

export async function loopbackPair(): Promise<LoopbackPair> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  return {
    client,
    peer,
    port,
    close() {
      client.destroy();
      peer.destroy();
      server.close();
    },
  };
}
