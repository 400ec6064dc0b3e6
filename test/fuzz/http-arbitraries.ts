// Hostile requests for the relay's HTTP API (the ChatSecure-compatible /api/v1/): any method and
// path, JSON bodies with wrong types and huge values, broken JSON and content types, and
// missing, wrong or mangled credentials, alongside the seeded right ones.
import fc from 'fast-check';
import { APNS_TOKEN, FCM_TOKEN, type HttpSeed, PASSWORD, USERNAME } from './http-world.js';

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string;
  headers: Record<string, string>;
  payload?: string;
  remoteAddress: string;
}

const opt = <T>(a: fc.Arbitrary<T>, freq = 3) => fc.option(a, { nil: undefined, freq });

/** Short printable text (header-safe), sometimes long. */
const ascii = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'z'.repeat(n)) },
);

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });

/** Any JSON value: a wrong type for whatever field it lands in. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e300, -0, 2 ** 53 + 1, '', ' ', '0', 'null', 'true'),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  fc.integer({ min: 100, max: 20_000 }).map((n) => 'é'.repeat(n)),
);

/** An object with some of `fields` (each a right-looking value or any JSON) and stray keys. */
function body(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const shaped = fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, fc.oneof({ weight: 3, arbitrary: v }, anyJson)]),
    ),
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 8, arbitrary: shaped },
    fc
      .tuple(shaped, fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 2 }))
      .map(([a, b]) => ({ ...b, ...(a as object) })),
    anyJson,
  );
}

/** How a body is sent: JSON mostly, or broken, empty, oversized, or under another type. */
function encoded(value: fc.Arbitrary<unknown>) {
  return fc
    .record({
      raw: fc.oneof(
        { weight: 10, arbitrary: value.map((v) => JSON.stringify(v)) },
        fc.constantFrom('', '{', '{"token":', 'null', '[]', '"x"', '{"a":1}}', 'token=abc'),
        fc
          .integer({ min: 16_000, max: 40_000 })
          .map((n) => JSON.stringify({ token: 'a'.repeat(n) })),
      ),
      type: fc.oneof(
        { weight: 10, arbitrary: fc.constant('application/json') },
        fc.constantFrom(
          undefined,
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'APPLICATION/JSON',
          'application/jsonx',
        ),
      ),
    })
    .map(({ raw, type }) => ({ payload: raw, type }));
}

function credentials(seed: HttpSeed): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(`Token ${seed.apiKey}`) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    fc.constantFrom(
      `token ${seed.apiKey.toUpperCase()}`,
      `Token  ${seed.apiKey} `,
      `Token ${seed.apiKey}x`,
      `Token ${seed.apiKey} ${seed.apiKey}`,
      `Bearer ${seed.apiKey}`,
      `Token ${seed.token}`,
      'Token',
      '',
      `Token ${'a'.repeat(6000)}`,
    ),
    hex(40, 40).map((k) => `Token ${k}`),
    ascii,
  );
}

const devicePath = (seed: HttpSeed) =>
  fc
    .record({
      kind: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('apns', 'gcm') },
        fc.constantFrom('fcm', 'APNS', '', 'x'),
      ),
      id: opt(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(seed.apnsDevice, seed.fcmDevice) },
          fc.constantFrom(
            '0',
            '-1',
            '999999',
            '1e3',
            'abc',
            '%2e%2e',
            '%zz',
            '9'.repeat(40),
            'x'.repeat(120),
          ),
          fc.stringMatching(/^[a-zA-Z0-9_.~-]{1,12}$/),
        ),
        2,
      ),
    })
    .map(({ kind, id }) => `/api/v1/device/${kind}/${id === undefined ? '' : `${id}/`}`);

const tokenPath = (seed: HttpSeed) =>
  fc
    .oneof(
      fc.constantFrom(
        seed.token,
        seed.tokenId,
        seed.token.toUpperCase(),
        '0',
        '%20',
        '%e0%a4%a',
        't'.repeat(200),
      ),
      hex(40, 40),
      fc.stringMatching(/^[a-zA-Z0-9_.~-]{1,50}$/),
    )
    .map((t) => `/api/v1/tokens/${t}/`);

/** Paths outside the API, or almost inside it. */
const strayPath = fc.oneof(
  fc.constantFrom(
    '/',
    '/api/v1/',
    '/api/v1/messages',
    '/API/V1/MESSAGES/',
    '/api/v1/messages/?token=x',
    '/api/v1//tokens/',
    '/api/v1/pubsub/',
    '/api/v1/accounts/%zz/',
    '/%zz',
    '/api/v1/device/apns/1/extra/',
    '/metrics',
    '/healthz',
  ),
  fc.stringMatching(/^\/[a-zA-Z0-9/_.~%-]{0,30}$/),
);

function request(
  methods: fc.Arbitrary<Request['method']>,
  url: fc.Arbitrary<string>,
  payload: fc.Arbitrary<unknown>,
  seed: HttpSeed,
): fc.Arbitrary<Request> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 6, arbitrary: methods },
        fc.constantFrom<Request['method']>(
          'GET',
          'POST',
          'PUT',
          'PATCH',
          'DELETE',
          'HEAD',
          'OPTIONS',
        ),
      ),
      url,
      body: opt(encoded(payload), 8),
      authorization: credentials(seed),
      remoteAddress: fc.constantFrom('127.0.0.1', '203.0.113.5', '2001:db8::1', '::ffff:192.0.2.1'),
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.authorization !== undefined) headers.authorization = r.authorization;
      if (r.body?.type !== undefined) headers['content-type'] = r.body.type;
      return {
        method: r.method,
        url: r.url,
        headers,
        payload: r.body?.payload,
        remoteAddress: r.remoteAddress,
      };
    });
}

export function requests(seed: HttpSeed) {
  const deviceBody = body({
    registration_id: fc.oneof(
      fc.constantFrom(APNS_TOKEN, FCM_TOKEN, 'ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab', ''),
      hex(0, 220),
    ),
    name: fc.oneof(fc.constant(null), fc.string({ maxLength: 300 })),
    device_id: fc.oneof(fc.constantFrom(null, 'phone', 'a b'), fc.string({ maxLength: 140 })),
    active: fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null)),
    app: fc.constantFrom('apns', 'fcm', 'nope', 'x'.repeat(70)),
    environment: fc.constantFrom('production', 'sandbox', 'staging'),
  });
  const deviceId = fc.oneof(
    fc.constantFrom(
      seed.apnsDevice,
      seed.fcmDevice,
      Number(seed.apnsDevice),
      Number(seed.fcmDevice),
    ),
    fc.constantFrom('0', -1, 1.5, '1e3', 'abc', 1e20, '9'.repeat(16), null),
  );
  const tokenBody = body({
    apns_device: deviceId,
    gcm_device: deviceId,
    name: fc.oneof(fc.string({ maxLength: 10 }), fc.constant('n'.repeat(300))),
  });
  const messageBody = body({
    token: fc.oneof(
      fc.constantFrom(seed.token, seed.token.toUpperCase(), ''),
      hex(40, 40),
      fc.string({ maxLength: 200 }),
    ),
    data: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('d'.repeat(101))),
    priority: fc.constantFrom('high', 'low', 'urgent', 5),
  });
  // scrypt makes every login attempt slow on purpose: few bodies here get that far.
  const accountBody = body({
    username: fc.oneof(
      fc.constantFrom(USERNAME, 'xmpp:romeo@localhost', '', 'u'.repeat(151)),
      fc.string({ maxLength: 8 }),
    ),
    password: fc.oneof(
      { weight: 20, arbitrary: fc.string({ maxLength: 7 }) },
      fc.constantFrom(PASSWORD, 'wrong password!', 'p'.repeat(1025)),
    ),
    email: fc.constantFrom('', 'alice@example.org', 'not an email', 5),
  });
  const accountPath = fc.oneof(
    { weight: 4, arbitrary: fc.constant('/api/v1/accounts/') },
    fc
      .constantFrom(USERNAME, seed.accountId, 'bob', '0', 'xmpp:romeo')
      .map((id) => `/api/v1/accounts/${encodeURIComponent(id)}/`),
  );
  return {
    devices: request(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
      devicePath(seed),
      deviceBody,
      seed,
    ),
    tokens: request(
      fc.constantFrom('GET', 'POST', 'DELETE'),
      fc.oneof({ weight: 3, arbitrary: fc.constant('/api/v1/tokens/') }, tokenPath(seed)),
      tokenBody,
      seed,
    ),
    messages: request(fc.constant('POST'), fc.constant('/api/v1/messages/'), messageBody, seed),
    others: request(
      fc.constantFrom('POST', 'DELETE', 'GET'),
      fc.oneof(accountPath, strayPath),
      fc.oneof(accountBody, fc.jsonValue({ maxDepth: 2 })),
      seed,
    ),
  };
}
