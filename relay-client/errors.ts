// Errors of the relay client: one base class, HTTP answers by status, timeouts, network failures.

/** Base of every error the relay client throws: `name` comes from the class, `cause` chains. */
export class RelayClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400 answers: `fieldErrors` maps a (wire, snake_case) field to its messages. */
export type FieldErrors = Record<string, string[]>;

export interface HttpErrorInit {
  status: number;
  /** The relay's `detail`, or a summary of the field errors, or the HTTP status text. */
  detail: string;
  /** The parsed JSON body, or the text when it was not JSON. */
  body: unknown;
  /** Names the request without secrets, e.g. `DELETE /api/v1/tokens/{token}/`. */
  request: string;
  retryAfterMs?: number;
}

/** The relay answered with an error status. */
export class RelayHttpError extends RelayClientError {
  readonly status: number;
  readonly detail: string;
  readonly body: unknown;
  /** From `Retry-After`, when the relay sent one (429, 503). */
  readonly retryAfterMs: number | undefined;

  constructor(init: HttpErrorInit) {
    super(`${init.request}: the relay answered ${init.status}: ${init.detail}`);
    this.status = init.status;
    this.detail = init.detail;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 401 (missing or unknown API key, wrong password) or 403 (not yours). */
export class RelayAuthError extends RelayHttpError {}

/** 404: no such account, device or token (or the token expired or was revoked). */
export class RelayNotFoundError extends RelayHttpError {}

/** 429 after the retries ran out, or when the relay asked to wait longer than the client will. */
export class RelayRateLimitError extends RelayHttpError {}

/** 400: the relay rejected the request's fields. */
export class RelayValidationError extends RelayHttpError {
  readonly fieldErrors: FieldErrors;

  constructor(init: HttpErrorInit & { fieldErrors: FieldErrors }) {
    super(init);
    this.fieldErrors = init.fieldErrors;
  }
}

/** No complete answer within `timeoutMs`. */
export class RelayTimeoutError extends RelayClientError {
  constructor(
    request: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`${request}: no answer from the relay within ${timeoutMs} ms`, options);
  }
}

/** The relay could not be reached, or the connection broke before an answer. */
export class RelayNetworkError extends RelayClientError {}

/** Builds the error for an HTTP error answer; `redact` keeps secrets out of the message. */
export function httpError(
  init: Omit<HttpErrorInit, 'detail'> & { detail?: string },
  redact: (s: string) => string,
): RelayHttpError {
  const { status, body } = init;
  const detail = redact(init.detail ?? describeBody(body) ?? `HTTP ${status}`);
  if (status === 400)
    return new RelayValidationError({ ...init, detail, fieldErrors: fields(body) });
  if (status === 401 || status === 403) return new RelayAuthError({ ...init, detail });
  if (status === 404) return new RelayNotFoundError({ ...init, detail });
  if (status === 429) return new RelayRateLimitError({ ...init, detail });
  return new RelayHttpError({ ...init, detail });
}

function describeBody(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  if (typeof body.detail === 'string') return body.detail;
  const parts = Object.entries(fields(body)).map(([field, messages]) =>
    field === 'non_field_errors' ? messages.join(' ') : `${field}: ${messages.join(' ')}`,
  );
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function fields(body: unknown): FieldErrors {
  if (!isObject(body)) return {};
  const out: FieldErrors = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'detail') continue;
    if (Array.isArray(value)) out[field] = value.map(String);
    else if (typeof value === 'string') out[field] = [value];
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
