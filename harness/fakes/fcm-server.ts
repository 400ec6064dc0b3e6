// Fake FCM over HTTPS for tests, benchmarks and demos (no jest imports). Speaks the real wire
// formats: Google's OAuth2 token endpoint (JWT-bearer grant, RFC 7523, RS256 assertion checked
// against the test service account's key) and the FCM HTTP v1 `messages:send` method, with errors
// as google.rpc.Status carrying a `google.firebase.fcm.v1.FcmError` detail.
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { everyConnection } from '../servers/ports.js';
import { testTls } from '../tls.js';
import { createFaultSwitch, type FaultSwitch } from './faults.js';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const FCM_SCOPES = /^https:\/\/www\.googleapis\.com\/auth\/(firebase\.messaging|cloud-platform)$/;
const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/** A service-account key file's fields (a type alias, so it is a `Record<string, unknown>`). */
export type FakeServiceAccount = { type: 'service_account' } & Record<
  'project_id' | 'private_key_id' | 'private_key' | 'client_email' | 'token_uri',
  string
>;

/** The `message` of a v1 send request, as firebase-admin puts it on the wire. */
export interface FcmWireMessage {
  token: string;
  data?: Record<string, string>;
  android?: { priority?: string; ttl?: string; collapse_key?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type FakeSend = { deviceToken: string; message: FcmWireMessage };
export type Match = (send: FakeSend) => boolean;

/** A scripted error: HTTP status, FcmError code (defaulted from the status), Retry-After seconds. */
export interface FakeResponse {
  status: number;
  errorCode?: string;
  message?: string;
  retryAfter?: number | string;
}

/** `latencyMs`: delay before answering each send (default 0); `tokenExpiresIn`: default 3599. */
export type StartFakeFcmOptions = {
  projectId?: string;
  latencyMs?: number;
  tokenExpiresIn?: number;
};

export interface FakeFcm {
  readonly url: string; // https://127.0.0.1:<port>
  readonly port: number;
  readonly ca: string; // PEM to trust for `url`
  readonly serviceAccount: FakeServiceAccount;
  /** Accepted sends, in arrival order. */
  readonly sends: FakeSend[];
  /** Counts every request: token exchanges and send attempts (scripted failures included). */
  readonly stats: { tokenRequests: number; sendRequests: number };
  /** Until `count` sends were accepted (resolves all) or one matches (resolves the matches). */
  waitFor(countOrMatch: number | Match, timeoutMs?: number): Promise<FakeSend[]>;
  /** Answer every send to `token` with `response` (undefined: accept again). */
  setResponse(token: string, response: FakeResponse | undefined): void;
  /** Answer the next `n` sends to `token` with `response`, then fall back. */
  failNext(token: string, n: number, response: FakeResponse): void;
  /** Provider-wide faults (every device) and the log of delivered pushes with their times. */
  readonly faults: FaultSwitch;
  /** Open client connections (keep-alive included). */
  connections(): Promise<number>;
  close(): Promise<void>;
}

const STATUS: Record<number, [status: string, errorCode: string | undefined, message: string]> = {
  400: ['INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'Request contains an invalid argument.'],
  401: ['UNAUTHENTICATED', undefined, 'Request had invalid authentication credentials.'],
  403: ['PERMISSION_DENIED', 'SENDER_ID_MISMATCH', 'SenderId mismatch'],
  404: ['NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.'],
  429: ['RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED', 'Quota exceeded for quota metric.'],
  500: ['INTERNAL', 'INTERNAL', 'Internal error encountered.'],
  503: ['UNAVAILABLE', 'UNAVAILABLE', 'The service is currently unavailable.'],
};

export function fcmErrorBody(r: FakeResponse): object {
  const [status, defaultCode, defaultMessage] = STATUS[r.status] ?? ['UNKNOWN', undefined, 'Error'];
  const errorCode = r.errorCode ?? defaultCode;
  const details = errorCode ? [{ '@type': FCM_ERROR_TYPE, errorCode }] : undefined;
  return { error: { code: r.status, message: r.message ?? defaultMessage, status, details } };
}

export async function startFakeFcm(opts: StartFakeFcmOptions = {}): Promise<FakeFcm> {
  const projectId = opts.projectId ?? 'test-project';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `relay@${projectId}.iam.gserviceaccount.com`;
  const serviceAccount: FakeServiceAccount = {
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    token_uri: GOOGLE_TOKEN_URL,
  };
  const { key, cert } = testTls();
  const sends: FakeSend[] = [];
  const stats = { tokenRequests: 0, sendRequests: 0 };
  const issued = new Set<string>();
  const fixed = new Map<string, FakeResponse>();
  const queued = new Map<string, FakeResponse[]>();
  const waiters = new Set<() => void>();
  const faults = createFaultSwitch();
  const invalid = (message: string): Reply => [400, fcmErrorBody({ status: 400, message })];

  const token = (body: string): Reply => {
    stats.tokenRequests++;
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return [400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' }];
    }
    const problem = checkAssertion(form.get('assertion') ?? '', publicKey, email);
    if (problem) return [400, { error: problem[0], error_description: problem[1] }];
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    issued.add(accessToken);
    const expiresIn = opts.tokenExpiresIn ?? 3599;
    return [200, { access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer' }];
  };

  const send = (req: IncomingMessage, project: string, body: string): Reply => {
    stats.sendRequests++;
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (auth === undefined || !issued.has(auth)) return [401, fcmErrorBody({ status: 401 })];
    if (project !== projectId) return [403, fcmErrorBody({ status: 403 })];
    let message: FcmWireMessage | undefined;
    try {
      message = (JSON.parse(body) as { message?: FcmWireMessage }).message;
    } catch {
      return invalid('Invalid JSON payload received.');
    }
    if (typeof message?.token !== 'string' || message.token === '') {
      return invalid('The registration token is not a valid FCM registration token');
    }
    if (Object.values(message.data ?? {}).some((v) => typeof v !== 'string')) {
      return invalid('Invalid value at message.data');
    }
    const scripted = queued.get(message.token)?.shift() ?? fixed.get(message.token);
    if (scripted) {
      const wait = scripted.retryAfter;
      const headers = wait === undefined ? undefined : { 'retry-after': String(wait) };
      return [scripted.status, fcmErrorBody(scripted), headers];
    }
    sends.push({ deviceToken: message.token, message });
    const conn = req.socket.remotePort ?? 0;
    faults.deliveries.push({ deviceToken: message.token, at: Date.now(), payload: message, conn });
    for (const wake of waiters) wake();
    return [200, { name: `projects/${projectId}/messages/0:${Date.now()}%${randomUUID()}` }];
  };

  const server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.method === 'POST' ? (req.url ?? '').split('?')[0] : undefined;
      const project = SEND_PATH.exec(path ?? '')?.[1];
      const route = (): Reply =>
        path === '/token' ? token(body) : project ? send(req, project, body) : NOT_FOUND;
      const answer = (): void => {
        const [status, body, headers] = route();
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
        res.end(JSON.stringify(body));
      };
      const reply = (): void => {
        if (project === undefined || !faultAnswer(res, answer)) answer();
      };
      if (opts.latencyMs && project !== undefined) setTimeout(reply, opts.latencyMs);
      else reply();
    });
  });
  // ---- Provider-wide faults (faults.ts): true when the fault took care of the send ----
  function faultAnswer(res: ServerResponse, answer: () => void): boolean {
    const fault = faults.current();
    if (!fault) return false;
    if (fault.kind === 'delay') {
      faults.stats.delayed++;
      setTimeout(answer, fault.ms);
      return true;
    }
    if (fault.kind === 'hold') {
      faults.stats.hung++;
      void faults.over().then(answer);
      return true;
    }
    stats.sendRequests++;
    if (fault.kind === 'hang') {
      faults.stats.hung++;
      return true;
    }
    faults.stats.failed++;
    const retry = fault.retryAfterS === undefined ? {} : { 'retry-after': `${fault.retryAfterS}` };
    res.writeHead(fault.status, { 'content-type': 'application/json; charset=UTF-8', ...retry });
    res.end(JSON.stringify(fcmErrorBody({ status: fault.status })));
    return true;
  }
  // ---- end of provider-wide faults ----

  const connections = everyConnection(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed = false;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    ca: cert,
    serviceAccount,
    sends,
    stats,
    faults,
    waitFor(countOrMatch, timeoutMs = 5000) {
      const [enough, filter] =
        typeof countOrMatch === 'number' ? [countOrMatch] : [1, countOrMatch];
      const match = (): FakeSend[] | undefined => {
        const found = filter ? sends.filter(filter) : [...sends];
        return found.length >= enough ? found : undefined;
      };
      return new Promise<FakeSend[]>((resolve, reject) => {
        const timer = setTimeout(() => wake(true), timeoutMs);
        const wake = (timedOut = false): void => {
          const found = match();
          if (!found && !closed && !timedOut) return;
          clearTimeout(timer);
          waiters.delete(wake);
          if (found) resolve(found);
          else
            reject(new Error(`fake FCM: ${closed ? 'closed' : `timed out after ${timeoutMs} ms`}`));
        };
        waiters.add(wake);
        wake();
      });
    },
    setResponse(deviceToken, response) {
      if (response) fixed.set(deviceToken, response);
      else fixed.delete(deviceToken);
    },
    failNext(deviceToken, n, response) {
      queued.set(deviceToken, [...(queued.get(deviceToken) ?? []), ...Array(n).fill(response)]);
    },
    connections: () =>
      new Promise<number>((ok, fail) => server.getConnections((e, n) => (e ? fail(e) : ok(n)))),
    async close() {
      closed = true;
      for (const wake of waiters) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        connections.destroyAll();
      });
    },
  };
}

type Reply = [status: number, body: object, headers?: Record<string, string>];
const NOT_FOUND: Reply = [404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }];

/** Checks a JWT-bearer assertion; returns [OAuth error, description] when it is not acceptable. */
function checkAssertion(jwt: string, key: KeyObject, email: string): [string, string] | undefined {
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  const decode = (part: string): Record<string, unknown> => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) ?? {};
    } catch {
      return {};
    }
  };
  const signed = Buffer.from(`${header}.${payload}`);
  const sig = Buffer.from(signature, 'base64url');
  if (decode(header).alg !== 'RS256' || !verify('RSA-SHA256', signed, key, sig)) {
    return ['invalid_grant', 'Invalid JWT Signature.'];
  }
  const { iss, aud, exp, iat, scope } = decode(payload);
  if (iss !== email) return ['invalid_grant', 'Invalid JWT: issuer is not the service account.'];
  if (aud !== GOOGLE_TOKEN_URL) return ['invalid_grant', 'Invalid JWT audience.'];
  const now = Math.floor(Date.now() / 1000);
  if (typeof exp !== 'number' || typeof iat !== 'number' || exp < now || exp - iat > 3600) {
    return ['invalid_grant', 'Invalid JWT: Token must be a short-lived token.'];
  }
  const scopes = typeof scope === 'string' ? scope.split(' ') : [];
  if (!scopes.some((s) => FCM_SCOPES.test(s))) return ['invalid_scope', 'Missing FCM scope.'];
  return undefined;
}
