import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.js';

const hostPort = z
  .string()
  .regex(/^[^:\s]+:\d{1,5}$/, 'expected "host:port"')
  .describe('host:port');

const domain = z
  .string()
  .min(1)
  .max(1023)
  .regex(/^[a-z0-9.-]+$/i, 'expected a domain name such as "push.example.org"');

const schema = z
  .object({
    component: z
      .object({
        jid: domain.describe("The component's domain, as configured on the XMPP server."),
        secret: z.string().min(1).optional().describe('Shared component secret (XEP-0114).'),
        secret_file: z.string().optional().describe('File holding the secret (first line).'),
        server: hostPort.default('127.0.0.1:5347').describe("The XMPP server's component port."),
        reconnect_initial_ms: z.number().int().min(10).default(1000).describe('First retry delay.'),
        reconnect_max_ms: z.number().int().min(100).default(60000).describe('Longest retry delay.'),
        admins: z
          .array(
            z.string().regex(/^[^@/\s]+@[^@/\s]+$/, 'expected bare JIDs like "admin@example.org"'),
          )
          .default([])
          .describe('Users who may run the admin ad-hoc commands.'),
        max_stanza_bytes: z
          .number()
          .int()
          .min(1024)
          .default(65536)
          .describe('Publishes and commands larger than this are refused.'),
      })
      .strict()
      .optional()
      .describe('The XEP-0114 component; required by `start`, unused by `relay`.'),
    http: z
      .object({
        listen: hostPort.default('127.0.0.1:8080').describe('Address of the relay HTTP API.'),
        trust_proxy: z
          .boolean()
          .default(false)
          .describe('Take client addresses from X-Forwarded-For (behind a reverse proxy only).'),
        body_limit_bytes: z.number().int().min(256).max(1_048_576).default(16_384),
        public_url: z
          .url({ protocol: /^https$/ })
          .optional()
          .describe('Where clients reach this API (behind the TLS proxy), given out with tokens.'),
      })
      .strict()
      .prefault({}),
    relay: z
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
      .prefault({}),
    relays: z
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
          })
          .strict(),
      )
      .default([])
      .describe('Remote relays that registrations may name; nothing else is ever contacted.'),
    store: z
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
      })
      .strict()
      .default({ path: '/var/lib/xmpp-push-relay' }),
    push: z
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
        rate_per_minute: z
          .number()
          .int()
          .min(1)
          .default(120)
          .describe('Publishes per registration per minute before coalescing.'),
      })
      .strict()
      .prefault({}),
    apns: z
      .object({
        key_file: z.string().describe('The .p8 token signing key from Apple.'),
        key_id: z.string().min(1),
        team_id: z.string().min(1),
        topic: z.string().min(1).describe("The app's bundle id."),
        environment: z.enum(['production', 'sandbox']).default('production'),
        endpoint: z.url().optional().describe('Override of the APNs host (staging, tests).'),
        ca_file: z.string().optional().describe('Extra CA certificate for that endpoint.'),
        max_in_flight: z.number().int().min(1).max(5000).default(1000),
      })
      .strict()
      .optional(),
    fcm: z
      .object({
        service_account_file: z.string().describe('Service account JSON from Firebase.'),
        endpoint: z.url().optional().describe('Override of the Google hosts (staging, tests).'),
        ca_file: z.string().optional().describe('Extra CA certificate for that endpoint.'),
      })
      .strict()
      .optional(),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RawConfig = z.infer<typeof schema>;
type ComponentConfig = NonNullable<RawConfig['component']> & { secret: string };
export type Config = Omit<RawConfig, 'component'> & { component?: ComponentConfig };

/** Parses and validates a TOML document; relative file paths resolve against `baseDir`. */
export function parseConfig(text: string, baseDir: string, env = process.env): Config {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (err) {
    throw new ConfigError([`TOML syntax: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`),
    );
  }
  const config = parsed.data;
  const at = (p: string) => resolve(baseDir, p);
  config.store.path = at(config.store.path);
  if (config.apns) {
    config.apns.key_file = at(config.apns.key_file);
    if (config.apns.ca_file) config.apns.ca_file = at(config.apns.ca_file);
  }
  if (config.fcm) {
    config.fcm.service_account_file = at(config.fcm.service_account_file);
    if (config.fcm.ca_file) config.fcm.ca_file = at(config.fcm.ca_file);
  }
  const names = config.relays.map((r) => r.name);
  const dupe = names.find((n, i) => names.indexOf(n) !== i);
  if (dupe) throw new ConfigError([`relays: the name "${dupe}" is used twice`]);
  if (!config.component) return { ...config, component: undefined };
  const secret = resolveSecret(config.component, at, env);
  return { ...config, component: { ...config.component, secret } };
}

function resolveSecret(
  c: NonNullable<RawConfig['component']>,
  at: (p: string) => string,
  env: NodeJS.ProcessEnv,
): string {
  const sources = [c.secret, c.secret_file, env.XMPP_PUSH_RELAY_SECRET].filter(Boolean).length;
  if (sources > 1) {
    throw new ConfigError([
      'component.secret: set only one of secret, secret_file and XMPP_PUSH_RELAY_SECRET',
    ]);
  }
  if (c.secret) return c.secret;
  if (env.XMPP_PUSH_RELAY_SECRET) return env.XMPP_PUSH_RELAY_SECRET;
  if (c.secret_file) {
    try {
      const line = readFileSync(at(c.secret_file), 'utf8').split('\n')[0]?.trim();
      if (line) return line;
    } catch (err) {
      throw new ConfigError([
        `component.secret_file: cannot read it (${(err as NodeJS.ErrnoException).code})`,
      ]);
    }
    throw new ConfigError(['component.secret_file: the file is empty']);
  }
  throw new ConfigError([
    'component.secret: required (or secret_file, or env XMPP_PUSH_RELAY_SECRET)',
  ]);
}

export function loadConfig(path: string, env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read (${(err as NodeJS.ErrnoException).code})`]);
  }
  return parseConfig(text, dirname(resolve(path)), env);
}
