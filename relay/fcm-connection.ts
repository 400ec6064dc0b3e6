// How the FCM provider reaches Google (./fcm.ts sends): its keep-alive agent, which tests and
// staging point at another host, and the OAuth 2.0 service-account flow (JWT-bearer grant,
// RFC 7523) through that same agent.
import { createPrivateKey, sign } from 'node:crypto';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Credential } from 'firebase-admin/app';

/**
 * A Google service-account key file (JSON) as downloaded from the Firebase console; `project_id`,
 * `client_email` and `private_key` are required (checked at creation), `token_uri` is honoured.
 */
export type FcmServiceAccount = Readonly<Record<string, unknown>>;

/**
 * A keep-alive agent owned by the provider (destroyed on close). With `endpoint`, every connection
 * is dialled to that host:port; SNI keeps the original host name, and the certificate may match
 * either the original host or the endpoint host.
 */
export function createAgent(endpoint?: string, ca?: string, maxSockets?: number): https.Agent {
  const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets };
  // One context for every connection: built per connection from `ca` (the public roots and
  // this one), it costs tens of ms each, and the CA text would go into every request's pool key.
  if (ca !== undefined) {
    agentOptions.secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, ca] });
  }
  if (endpoint === undefined) return new https.Agent(agentOptions);
  const target = new URL(endpoint);
  if (target.protocol !== 'https:') throw new Error(`FCM endpoint must be https: ${endpoint}`);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || 443);
  class RedirectingAgent extends https.Agent {
    override createConnection(
      opts: https.RequestOptions,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const original = opts.servername || opts.hostname || opts.host || host;
      const checkServerIdentity = (_name: string, peer: tls.PeerCertificate) =>
        tls.checkServerIdentity(original, peer) && tls.checkServerIdentity(host, peer);
      const redirected = { ...opts, host, hostname: host, port, servername: original };
      return super.createConnection({ ...redirected, checkServerIdentity }, callback);
    }
  }
  return new RedirectingAgent(agentOptions);
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export function field(account: FcmServiceAccount, key: string): string {
  const value = account[key];
  if (typeof value === 'string' && value !== '') return value;
  throw new Error(`FCM service account: missing "${key}"`);
}

/** https://developers.google.com/identity/protocols/oauth2/service-account#httprest */
export function serviceAccountCredential(
  account: FcmServiceAccount,
  agent: https.Agent,
): Credential {
  const iss = field(account, 'client_email');
  const key = createPrivateKey(field(account, 'private_key'));
  const aud = typeof account.token_uri === 'string' ? account.token_uri : GOOGLE_TOKEN_URL;
  const kid = typeof account.private_key_id === 'string' ? account.private_key_id : undefined;
  const encode = (value: object): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    async getAccessToken() {
      const iat = Math.floor(Date.now() / 1000);
      const claims = { iss, scope: FCM_SCOPE, aud, iat, exp: iat + 3600 };
      const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
      const signature = sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url');
      const form = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: `${unsigned}.${signature}`,
      });
      const { status, text } = await postForm(aud, form.toString(), agent);
      let answer: Record<string, unknown> = {};
      try {
        answer = JSON.parse(text);
      } catch {}
      if (status !== 200 || typeof answer.access_token !== 'string') {
        const detail = [answer.error, answer.error_description].filter(Boolean).join(': ');
        throw new Error(`token endpoint answered HTTP ${status} ${detail}`.trim());
      }
      const expiresIn = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
      return { access_token: answer.access_token, expires_in: expiresIn };
    },
  };
}

function postForm(url: string, form: string, agent: https.Agent) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const req = https.request(url, { method: 'POST', agent, headers, timeout: 15000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('token request timeout')));
    req.on('error', reject);
    req.end(form);
  });
}
