// The config schema: every section and key with its type, default and doc line.
import { z } from 'zod';
import { appSections } from './config-apps.js';

const hostPort = z
  .string()
  .regex(/^[^:\s]+:\d{1,5}$/, 'expected "host:port"')
  .describe('host:port');

const domain = z
  .string()
  .min(1)
  .max(1023)
  .regex(/^[a-z0-9.-]+$/i, 'expected a domain name such as "push.example.org"');

/** A quota: a positive whole number with its default. */
const count = (value: number, doc: string) => z.number().int().min(1).default(value).describe(doc);

const component = z
  .object({
    jid: domain.describe("The component's domain, as configured on the XMPP server."),
    secret: z.string().min(1).optional().describe('Shared component secret (XEP-0114).'),
    secret_file: z.string().optional().describe('File holding the secret (first line).'),
    server: hostPort.default('127.0.0.1:5347').describe("The XMPP server's component port."),
    reconnect_initial_ms: z
      .number()
      .int()
      .min(10)
      .default(250)
      .describe('First retry delay after the link is lost; each next one doubles.'),
    reconnect_max_ms: z
      .number()
      .int()
      .min(100)
      .default(2000)
      .describe('Longest retry delay: the link is back within it of the server listening.'),
    admins: z
      .array(z.string().regex(/^[^@/\s]+@[^@/\s]+$/, 'expected bare JIDs like "admin@example.org"'))
      .default([])
      .describe('Users who may run the admin ad-hoc commands.'),
    max_stanza_bytes: z
      .number()
      .int()
      .min(1024)
      .default(65536)
      .describe(
        'Ad-hoc commands larger than this are refused; publishes are not (their text is cut).',
      ),
    max_in_flight: z
      .number()
      .int()
      .min(10)
      .max(100_000)
      .default(2000)
      .describe(
        'Publishes and commands being handled at once; past it the XMPP socket is not read until half are answered.',
      ),
  })
  .strict()
  .optional()
  .describe('The XEP-0114 component; required by `start`, unused by `relay`.');

const http = z
  .object({
    listen: hostPort.default('127.0.0.1:8080').describe('Address of the relay HTTP API.'),
    trust_proxy: z
      .boolean()
      .default(false)
      .describe('Take client addresses from X-Forwarded-For (behind a reverse proxy only).'),
    body_limit_bytes: z.number().int().min(256).max(1_048_576).default(16_384),
    request_timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(10_000)
      .describe(
        'A request must arrive whole within this time, and a connection idle this long is closed (slow clients cannot hold connections).',
      ),
    public_url: z
      .url({ protocol: /^https$/ })
      .optional()
      .describe('Where clients reach this API (behind the TLS proxy), given out with tokens.'),
  })
  .strict()
  .prefault({});

const relay = z
  .object({
    token_ttl_days: z
      .number()
      .positive()
      .default(30)
      .describe('Lifetime of whitelist tokens (HTTP and XMPP alike).'),
    messages_per_token_per_minute: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('Pushes with one whitelist token, over HTTP and XMPP together.'),
    messages_per_account_per_minute: z
      .number()
      .int()
      .min(1)
      .default(300)
      .describe('Pushes to one account, whichever of its tokens they carry.'),
    requests_per_account_per_minute: z.number().int().min(1).default(600),
    requests_per_address_per_minute: z.number().int().min(1).default(1200),
    misses_per_address_per_minute: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe(
        'Failed guesses (unknown tokens, bad API keys, wrong passwords) per client address or XMPP sender before 429.',
      ),
  })
  .strict()
  .prefault({});

const quotas = z
  .object({
    registrations_per_user: count(50, 'Push registrations per user (bare JID), by any command.'),
    devices_per_account: count(100, 'Devices per HTTP account or XMPP user.'),
    tokens_per_account: count(100, 'Whitelist tokens per HTTP account or XMPP user.'),
    issued_tokens_per_user_per_day: count(20, 'Tokens issued to one XMPP user per day.'),
    collected_tokens_per_user: count(50, "Tokens kept from one user's clients."),
    test_pushes_per_user_per_hour: count(10, '`test-push` commands per user per hour.'),
    remote_pushes_per_user_per_minute: count(60, 'Pushes through remote relays per user.'),
    remote_misses_per_user_per_hour: count(
      10,
      "A user's tokens that remote relays did not know; past it the user's remote pushes wait.",
    ),
    remote_pushes_per_relay_per_minute: count(
      1000,
      'Pushes to one remote relay, all users together (keep under its per-address limit).',
    ),
  })
  .strict()
  .prefault({});

const relays = z
  .array(
    z
      .object({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, - and _')
          .refine((n) => n !== 'local', '"local" is this relay'),
        url: z.url({ protocol: /^https?$/ }).describe('Base URL of the remote relay API.'),
        jid: domain
          .optional()
          .describe("The relay's XMPP component, to accept tokens that clients say it holds."),
        allow_http: z
          .boolean()
          .default(false)
          .describe('Allow a plain http:// URL (tokens then cross the network in clear).'),
      })
      .strict()
      .refine((r) => r.allow_http || new URL(r.url).protocol === 'https:', {
        message:
          'url: http:// sends whitelist tokens in clear; use https://, or set allow_http = true (a relay on this machine or a private network)',
      }),
  )
  .default([])
  .describe('Remote relays that registrations may name; nothing else is ever contacted.');

const store = z
  .object({
    path: z
      .string()
      .default('/var/lib/xmpp-push-relay')
      .describe('Folder of the embedded SQLite store.'),
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'expected redis://… or rediss://…')
      .optional()
      .describe('Redis instead of SQLite, shared by several processes.'),
    sentinels: z
      .array(hostPort)
      .min(1)
      .optional()
      .describe('Redis through Redis Sentinel instead of url: the sentinels, host:port.'),
    sentinel_name: z
      .string()
      .default('mymaster')
      .describe('The master name the sentinels monitor.'),
    password: z
      .string()
      .optional()
      .describe("With sentinels: the password of Redis's master and replicas."),
    sentinel_password: z
      .string()
      .optional()
      .describe('With sentinels: the password of the sentinels, when they ask for one.'),
    min_replicas: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Replicas that must have a write before it counts as done (Redis WAIT); 0: do not wait.',
      ),
    min_replicas_timeout_ms: z
      .number()
      .int()
      .min(10)
      .default(1000)
      .describe('How long a write waits for min_replicas before it fails.'),
  })
  .strict()
  .refine((s) => !(s.url && s.sentinels), {
    message: 'url and sentinels: give one of them, not both',
  })
  .default({
    path: '/var/lib/xmpp-push-relay',
    sentinel_name: 'mymaster',
    min_replicas: 0,
    min_replicas_timeout_ms: 1000,
  });

const push = z
  .object({
    include_sender: z
      .boolean()
      .default(false)
      .describe("Forward the summary's last-message-sender to the device."),
    include_body: z
      .boolean()
      .default(false)
      .describe("Forward the summary's last-message-body to the device."),
    priority: z.enum(['high', 'low']).default('high').describe('Alert (high) or background.'),
    max_attempts: z.number().int().min(1).default(10).describe('Delivery attempts per push.'),
    retry_initial_ms: z.number().int().min(10).default(1000).describe('First retry delay.'),
    retry_max_ms: z.number().int().min(100).default(300000).describe('Longest retry delay.'),
    lease_ms: z
      .number()
      .int()
      .min(1000)
      .default(3000)
      .describe('Reservation of a push being sent, renewed meanwhile; bounds crash recovery.'),
    rate_per_minute: z
      .number()
      .int()
      .min(1)
      .default(120)
      .describe('Publishes per registration per minute before coalescing.'),
  })
  .strict()
  .prefault({});

const log = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .prefault({});

export const schema = z
  .object({ component, http, relay, quotas, relays, store, push, ...appSections, log })
  .strict();
