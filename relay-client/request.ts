// One HTTP exchange with the relay: JSON both ways, a timeout per attempt, bounded retries.
import { setTimeout as sleep } from 'node:timers/promises';
import { httpError, RelayClientError, RelayNetworkError, RelayTimeoutError } from './errors.js';

/** Longest wait between attempts; a relay asking for more gets its error back at once. */
export const MAX_RETRY_WAIT_MS = 30_000;
const BACKOFF_BASE_MS = 300;

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  fetch: typeof fetch;
  userAgent: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below the API root, e.g. `device/apns/3/`. */
  path: string;
  body?: unknown;
  /** `optional` sends the API key when there is one; default `required`. */
  auth?: 'required' | 'optional' | 'none';
  /**
   * What may be repeated: `idempotent` after network errors, timeouts, 429 and 503; `rejected`
   * only after 429 and 503 (the relay said it did not take the request); `never`. By default
   * GET, PUT and DELETE are `idempotent`, POST and PATCH `never`.
   */
  retry?: 'idempotent' | 'rejected' | 'never';
  /** Names the request in error messages; the default shows the path, so pass one when it holds a secret. */
  label?: string;
  /** More strings to keep out of error messages (the API key always is). */
  secrets?: string[];
  /** The shape a successful answer must have: a JSON object, a JSON array, or anything. */
  expect?: 'object' | 'list';
}

export type Transport = (spec: RequestSpec) => Promise<{ status: number; body: unknown }>;

/** The API root (`…/api/v1/`) for a base URL given with or without it, with or without `/`. */
export function apiRoot(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (err) {
    throw new RelayClientError(`the relay URL is not a URL: ${baseUrl}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RelayClientError(
      `the relay URL must start with http:// or https://: ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    throw new RelayClientError('the relay URL must not hold a user name or password');
  }
  if (url.search || url.hash) {
    throw new RelayClientError('the relay URL must not have a query or fragment');
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api/v1') ? `${path}/` : `${path}/api/v1/`;
  return url;
}

export function createTransport(o: TransportOptions): Transport {
  const root = apiRoot(o.baseUrl);

  return async function request(spec: RequestSpec) {
    const url = new URL(spec.path, root);
    const label = spec.label ?? `${spec.method} ${url.pathname}`;
    const secrets = [o.apiKey, ...(spec.secrets ?? [])].filter(
      (s): s is string => !!s && s.length >= 4,
    );
    const redact = (s: string) => secrets.reduce((out, x) => out.replaceAll(x, '[redacted]'), s);
    const auth = spec.auth ?? 'required';
    const retry =
      spec.retry ?? (['GET', 'PUT', 'DELETE'].includes(spec.method) ? 'idempotent' : 'never');
    if (auth === 'required' && !o.apiKey) {
      throw new RelayClientError(`${label} needs an API key`);
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': o.userAgent,
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (auth !== 'none' && o.apiKey) headers.authorization = `Token ${o.apiKey}`;
    const init = {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      redirect: 'manual' as const,
    };

    for (let attempt = 0; ; attempt++) {
      const last = attempt >= o.retries;
      const signal = AbortSignal.timeout(o.timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await o.fetch(url, { ...init, signal });
        text = await response.text();
      } catch (err) {
        const error = signal.aborted
          ? new RelayTimeoutError(label, o.timeoutMs, { cause: err })
          : new RelayNetworkError(redact(`${label}: ${networkReason(err, root)}`), { cause: err });
        if (last || retry !== 'idempotent') throw error;
        await sleep(backoff(attempt));
        continue;
      }
      const { status } = response;
      const body = parseBody(text);
      if (status >= 200 && status < 300) {
        if (typeof body === 'string' || !hasShape(body, spec.expect)) {
          throw new RelayClientError(
            `${label}: the relay answered ${status} with something unexpected (is ${root.origin} a push relay?)`,
          );
        }
        return { status, body };
      }
      const location = response.headers.get('location');
      const error = httpError(
        {
          status,
          body,
          request: label,
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
          detail: status >= 300 && status < 400 ? `redirected to ${location ?? '?'}` : undefined,
        },
        redact,
      );
      const retryable = (status === 429 || status === 503) && retry !== 'never';
      const wait = error.retryAfterMs ?? backoff(attempt);
      if (!retryable || last || wait > MAX_RETRY_WAIT_MS) throw error;
      await sleep(wait);
    }
  };
}

function hasShape(body: unknown, expect: RequestSpec['expect']): boolean {
  if (expect === 'list') return Array.isArray(body) && body.every((x) => hasShape(x, 'object'));
  if (expect === 'object') return typeof body === 'object' && body !== null && !Array.isArray(body);
  return true;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `Retry-After` as delay-seconds or an HTTP-date, in milliseconds from now. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function backoff(attempt: number): number {
  const ms = BACKOFF_BASE_MS * 2 ** attempt;
  return Math.min(MAX_RETRY_WAIT_MS, Math.round(ms * (0.5 + Math.random() / 2)));
}

function networkReason(err: unknown, root: URL): string {
  const cause = (err as { cause?: { message?: unknown } }).cause;
  const why = typeof cause?.message === 'string' ? cause.message : String((err as Error).message);
  return `cannot reach the relay at ${root.origin} (${why})`;
}
