// Typed client for the push relay's HTTP API (compatible with the ChatSecure push server).
import { RelayClientError } from './errors.js';
import { createTransport, type RequestSpec } from './request.js';
import type {
  Account,
  Device,
  DeviceChanges,
  DeviceKind,
  Message,
  MessageAccepted,
  NewAccount,
  NewDevice,
  NewToken,
  PubsubInfo,
  TokenInfo,
  TokenRequest,
} from './types.js';

export interface RelayClientOptions {
  /** `https://relay.example.org`, with or without a trailing `/` (or `/api/v1/`). */
  baseUrl: string;
  /** Sent as `Authorization: Token …`; needed by everything but `createAccount` and `sendMessage`. */
  apiKey?: string;
  /** Per attempt; default 10 000. */
  timeoutMs?: number;
  /** Extra attempts after 429, 503 or (for GET, PUT, DELETE) a network error; default 2. */
  retries?: number;
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface RelayClient {
  /** Creates the account, or logs in to it with the right password; either way a fresh API key. */
  createAccount(a: NewAccount): Promise<Account>;
  deleteAccount(id: number): Promise<void>;
  listDevices(kind: DeviceKind): Promise<Device[]>;
  addDevice(kind: DeviceKind, d: NewDevice): Promise<Device>;
  getDevice(kind: DeviceKind, id: number): Promise<Device>;
  /** Changes only the fields given (PATCH). */
  updateDevice(kind: DeviceKind, id: number, changes: DeviceChanges): Promise<Device>;
  removeDevice(kind: DeviceKind, id: number): Promise<void>;
  /** A whitelist token for one of the account's devices; `token` is shown only in this answer. */
  createToken(t: TokenRequest): Promise<NewToken>;
  listTokens(): Promise<TokenInfo[]>;
  /** Revokes by the token itself or by its id. */
  revokeToken(tokenOrId: string | number): Promise<void>;
  /** Asks the relay to push; needs no API key, the whitelist token is the authority. */
  sendMessage(m: Message): Promise<MessageAccepted>;
  /** The XMPP pubsub service of the relay. */
  pubsub(): Promise<PubsubInfo>;
}

type Wire = Record<string, unknown>;

export function createRelayClient(o: RelayClientOptions): RelayClient {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const retries = o.retries ?? 2;
  if (!(timeoutMs > 0)) throw new RelayClientError('timeoutMs must be a positive number');
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RelayClientError('retries must be a whole number, 0 or more');
  }
  const request = createTransport({
    baseUrl: o.baseUrl,
    apiKey: o.apiKey,
    timeoutMs,
    retries,
    fetch: o.fetch ?? globalThis.fetch,
    userAgent: o.userAgent ?? 'xmpp-push-relay-client',
  });

  const call = async (spec: RequestSpec) =>
    (await request({ ...spec, expect: 'object' })).body as Wire;
  const list = async (path: string) =>
    (await request({ method: 'GET', path, expect: 'list' })).body as Wire[];
  const devicePath = (kind: DeviceKind, id?: number) =>
    id === undefined ? `device/${kind}/` : `device/${kind}/${wholeNumber(id, 'device id')}/`;

  return {
    async createAccount(a) {
      const { status, body } = await request({
        method: 'POST',
        path: 'accounts/',
        body: { username: a.username, password: a.password, email: a.email },
        auth: 'none',
        secrets: [a.password],
        expect: 'object',
      });
      const w = body as Wire;
      return {
        id: Number(w.id),
        username: String(w.username),
        email: (w.email as string | null | undefined) ?? null,
        apiKey: String(w.token),
        created: status === 201,
      };
    },
    async deleteAccount(id) {
      await request({ method: 'DELETE', path: `accounts/${wholeNumber(id, 'account id')}/` });
    },
    async listDevices(kind) {
      return (await list(devicePath(kind))).map(toDevice);
    },
    async addDevice(kind, d) {
      const body = { ...deviceWire(d), registration_id: d.registrationId };
      return toDevice(await call({ method: 'POST', path: devicePath(kind), body }));
    },
    async getDevice(kind, id) {
      return toDevice(await call({ method: 'GET', path: devicePath(kind, id) }));
    },
    async updateDevice(kind, id, changes) {
      const body = deviceWire(changes);
      return toDevice(await call({ method: 'PATCH', path: devicePath(kind, id), body }));
    },
    async removeDevice(kind, id) {
      await request({ method: 'DELETE', path: devicePath(kind, id) });
    },
    async createToken(t) {
      const body = { apns_device: t.apnsDevice, gcm_device: t.gcmDevice, name: t.name };
      const w = await call({ method: 'POST', path: 'tokens/', body });
      return { ...toTokenInfo(w), token: String(w.token) };
    },
    async listTokens() {
      return (await list('tokens/')).map(toTokenInfo);
    },
    async revokeToken(tokenOrId) {
      const secret = String(tokenOrId);
      await request({
        method: 'DELETE',
        path: `tokens/${encodeURIComponent(secret)}/`,
        label: 'DELETE /api/v1/tokens/{token}/',
        secrets: [secret],
      });
    },
    async sendMessage(m) {
      const w = await call({
        method: 'POST',
        path: 'messages/',
        body: { token: m.token, data: m.data, priority: m.priority },
        auth: 'none',
        retry: 'rejected',
        label: 'POST /api/v1/messages/',
        secrets: [m.token],
      });
      return { detail: typeof w.detail === 'string' ? w.detail : '' };
    },
    async pubsub() {
      const w = await call({ method: 'GET', path: 'pubsub/', auth: 'optional' });
      return { jid: String(w.jid) };
    },
  };
}

function deviceWire(d: DeviceChanges): Wire {
  return {
    registration_id: d.registrationId,
    name: d.name,
    device_id: d.deviceId,
    active: d.active,
  };
}

function toDevice(w: Wire): Device {
  return {
    id: Number(w.id),
    name: (w.name as string | null | undefined) ?? null,
    active: w.active !== false,
    registrationId: String(w.registration_id),
    deviceId: (w.device_id as string | null | undefined) ?? null,
    dateCreated: String(w.date_created),
  };
}

function toTokenInfo(w: Wire): TokenInfo {
  return {
    id: Number(w.id),
    name: String(w.name ?? ''),
    apnsDevice: deviceRef(w.apns_device),
    gcmDevice: deviceRef(w.gcm_device),
    dateCreated: String(w.date_created),
    dateExpires: (w.date_expires as string | null | undefined) ?? null,
  };
}

/** A token's device: a string id from the relay (a number from older relays), or none. */
function deviceRef(v: unknown): number | null {
  return v === undefined || v === null ? null : Number(v);
}

function wholeNumber(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RelayClientError(`${what} must be a whole number`);
  return n;
}
