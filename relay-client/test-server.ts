// For the relay client's tests: a real HTTP server on 127.0.0.1 with the relay API in memory.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What the next request gets instead of the API: an answer, no answer at all, or a cut socket. */
export type Override =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'hang'
  | 'drop';

export interface FakeRelay {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  requests: SeenRequest[];
  /** Messages the API accepted. */
  pushes: { token: string; data?: string; priority?: string }[];
  /** The next requests, in order, get these instead of the API. */
  next(...overrides: Override[]): void;
  close(): Promise<void>;
}

type Row = Record<string, unknown> & { id: number; owner: number };
type Answer = [status: number, body?: unknown];

export async function startFakeRelay(): Promise<FakeRelay> {
  let lastId = 0;
  const accounts = new Map<string, { id: number; password: string; email: string }>();
  const keys = new Map<string, number>();
  const devices = { apns: new Map<number, Row>(), gcm: new Map<number, Row>() };
  const tokens = new Map<number, Row>();
  const overrides: Override[] = [];
  const requests: SeenRequest[] = [];
  const pushes: FakeRelay['pushes'] = [];
  const now = () => new Date().toISOString();
  const newKey = (id: number) => {
    const key = randomBytes(20).toString('hex');
    keys.set(key, id);
    return key;
  };
  const pub = ({ owner: _, ...rest }: Row) => rest;
  const pubToken = ({ token: _, ...rest }: Row) => pub(rest as Row);

  function api(method: string, path: string, body: Record<string, unknown>, me?: number): Answer {
    if (method === 'POST' && path === 'accounts/') return login(body);
    if (method === 'POST' && path === 'messages/') return message(body);
    if (method === 'GET' && path === 'pubsub/') return [200, { jid: 'pubsub.relay.example' }];
    if (me === undefined) return [401, { detail: 'Authentication credentials were not provided.' }];
    let m = /^accounts\/(\d+)\/$/.exec(path);
    if (m && method === 'DELETE') {
      if (Number(m[1]) !== me) return [403, { detail: 'You do not have permission.' }];
      for (const [name, a] of accounts) if (a.id === me) accounts.delete(name);
      return [204];
    }
    m = /^device\/(apns|gcm)\/(?:(\d+)\/)?$/.exec(path);
    if (m) return device(method, m[1] as 'apns' | 'gcm', m[2], body, me);
    if (path === 'tokens/' && method === 'GET') {
      return [200, [...tokens.values()].filter((t) => t.owner === me).map(pubToken)];
    }
    if (path === 'tokens/' && method === 'POST') return newToken(body, me);
    m = /^tokens\/([^/]+)\/$/.exec(path);
    if (m && method === 'DELETE') {
      const found = [...tokens.values()].find(
        (t) => t.owner === me && (String(t.id) === m?.[1] || t.token === m?.[1]),
      );
      if (!found) return [404, { detail: 'Not found.' }];
      tokens.delete(found.id);
      return [204];
    }
    return [404, { detail: 'Not found.' }];
  }

  function login(b: Record<string, unknown>): Answer {
    if (typeof b.username !== 'string' || typeof b.password !== 'string') {
      return [
        400,
        { username: ['This field is required.'], password: ['This field is required.'] },
      ];
    }
    const found = accounts.get(b.username);
    if (found && found.password !== b.password) return [401, { detail: 'Wrong password.' }];
    const a = found ?? { id: ++lastId, password: b.password, email: String(b.email ?? '') };
    accounts.set(b.username, a);
    return [
      found ? 200 : 201,
      { id: a.id, username: b.username, email: a.email, token: newKey(a.id) },
    ];
  }

  function device(
    method: string,
    kind: 'apns' | 'gcm',
    id: string | undefined,
    b: Record<string, unknown>,
    me: number,
  ): Answer {
    const table = devices[kind];
    if (id === undefined && method === 'GET') {
      return [200, [...table.values()].filter((d) => d.owner === me).map(pub)];
    }
    if (id === undefined && method === 'POST') {
      if (typeof b.registration_id !== 'string') {
        return [400, { registration_id: ['This field is required.'] }];
      }
      const d: Row = {
        id: ++lastId,
        owner: me,
        name: b.name ?? null,
        active: b.active ?? true,
        registration_id: b.registration_id,
        device_id: b.device_id ?? null,
        date_created: now(),
      };
      table.set(d.id, d);
      return [201, pub(d)];
    }
    const d = table.get(Number(id));
    if (!d || d.owner !== me) return [404, { detail: 'Not found.' }];
    if (method === 'GET') return [200, pub(d)];
    if (method === 'DELETE') {
      table.delete(d.id);
      return [204];
    }
    if (method === 'PUT' || method === 'PATCH') {
      for (const k of ['name', 'active', 'registration_id', 'device_id']) if (k in b) d[k] = b[k];
      return [200, pub(d)];
    }
    return [405, { detail: `Method "${method}" not allowed.` }];
  }

  function newToken(b: Record<string, unknown>, me: number): Answer {
    const apns = devices.apns.get(Number(b.apns_device));
    const gcm = devices.gcm.get(Number(b.gcm_device));
    if ((apns ?? gcm)?.owner !== me)
      return [400, { non_field_errors: ['Name one of your devices.'] }];
    const t: Row = {
      id: ++lastId,
      owner: me,
      name: b.name ?? '',
      token: randomBytes(20).toString('hex'),
      apns_device: apns?.id ?? null,
      gcm_device: gcm?.id ?? null,
      date_created: now(),
      date_expires: null,
    };
    tokens.set(t.id, t);
    return [201, pub(t)];
  }

  function message(b: Record<string, unknown>): Answer {
    if (typeof b.data === 'string' && b.data.length > 100) {
      return [400, { data: ['Ensure this field has no more than 100 characters.'] }];
    }
    if (![...tokens.values()].some((t) => t.token === b.token))
      return [404, { detail: 'Not found.' }];
    pushes.push({ token: String(b.token), data: b.data as string, priority: b.priority as string });
    return [202, { detail: 'Message accepted.' }];
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const seen: SeenRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      body: undefined,
    };
    requests.push(seen);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      const json = body === undefined ? '' : JSON.stringify(body);
      if (json) headers['content-type'] = 'application/json';
      res.writeHead(status, headers).end(json);
    };
    const override = overrides.shift();
    if (override === 'hang') return;
    if (override === 'drop') return void req.socket.destroy();
    if (override) return send(override.status, override.body, override.headers);
    if (text) {
      if (!req.headers['content-type']?.startsWith('application/json')) {
        return send(415, { detail: 'Unsupported media type.' });
      }
      try {
        seen.body = JSON.parse(text);
      } catch {
        return send(400, { detail: 'JSON parse error.' });
      }
    }
    const auth = /^Token (\S+)$/.exec(req.headers.authorization ?? '');
    const me = auth?.[1] ? keys.get(auth[1]) : undefined;
    if (auth && me === undefined) return send(401, { detail: 'Invalid token.' });
    if (!path.startsWith('/api/v1/')) return send(404, { detail: 'Not found.' });
    const [status, body] = api(
      seen.method,
      path.slice(8),
      (seen.body ?? {}) as Record<string, unknown>,
      me,
    );
    send(status, body);
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    pushes,
    next: (...o) => void overrides.push(...o),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The error `p` rejects with; fails the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}
