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

const appName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, ., - and _');

/** How long a provider's answer to one send is waited for (default 5 s). */
const requestTimeout = (doc: string) =>
  z.number().int().min(100).max(60000).default(5000).describe(doc);

const apnsFields = z.object({
  key_file: z.string().describe('The .p8 token signing key from Apple.'),
  key_id: z.string().regex(/^[A-Z0-9]{10}$/, 'expected the 10-character key id from Apple'),
  team_id: z.string().regex(/^[A-Z0-9]{10}$/, 'expected the 10-character team id from Apple'),
  topic: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,255}$/, "expected the app's bundle id")
    .describe("The app's bundle id."),
  voip_topic: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,255}\.voip$/, 'expected "<bundle id>.voip"')
    .optional()
    .describe('Topic of VoIP (PushKit) pushes for calls; usually "<bundle id>.voip".'),
  environment: z
    .enum(['production', 'sandbox', 'both'])
    .default('production')
    .describe('"both": each registration says which of the two its build uses.'),
  endpoint: z.url().optional().describe('Override of the APNs host (staging, tests).'),
  sandbox_endpoint: z
    .url()
    .optional()
    .describe('Override of the sandbox host when environment = "both".'),
  ca_file: z.string().optional().describe('Extra CA certificate for that endpoint.'),
  max_in_flight: z.number().int().min(1).max(5000).default(1000),
  request_timeout_ms: requestTimeout(
    'A request APNs has not answered this long is given up and sent again later.',
  ),
});

const fcmFields = z.object({
  service_account_file: z.string().describe('Service account JSON from Firebase.'),
  endpoint: z.url().optional().describe('Override of the Google hosts (staging, tests).'),
  ca_file: z.string().optional().describe('Extra CA certificate for that endpoint.'),
  max_connections: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(128)
    .describe(
      'Sends at once, one HTTPS connection each (FCM answers one request per connection at a time): sends per second are at most this divided by the round trip.',
    ),
  request_timeout_ms: requestTimeout(
    'A send FCM has not answered this long is given up (its connection closed) and sent again later.',
  ),
});

/** What every `[[apps]]` entry has besides its credentials. */
const appFields = {
  name: appName,
  default: z
    .boolean()
    .default(false)
    .describe('The app of registrations that name none (one per provider).'),
  tigase_providers: z
    .array(z.string().min(1).max(255))
    .default([])
    .describe('`provider` values of Tigase register-device that mean this app.'),
  push_module: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('`pushModule` value of Monal-style (stateless) clients that means this app.'),
  stateless: z
    .boolean()
    .default(false)
    .describe('Accept Monal-style publishes whose node is the device token itself.'),
};

/** A quota: a positive whole number with its default. */
const count = (value: number, doc: string) => z.number().int().min(1).default(value).describe(doc);

const schema = z
  .object({
    component: z
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
      .describe('The XEP-0114 component; required by `start`, unused by `relay`.'),
    http: z
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
    quotas: z
      .object({
        registrations_per_user: count(
          50,
          'Push registrations per user (bare JID), by any command.',
        ),
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
      }),
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
      .prefault({}),
    apns: apnsFields.strict().optional().describe('The default APNs app (named "apns").'),
    fcm: fcmFields.strict().optional().describe('The default FCM app (named "fcm").'),
    apps: z
      .array(
        z.discriminatedUnion('provider', [
          apnsFields.extend({ provider: z.literal('apns'), ...appFields }).strict(),
          fcmFields.extend({ provider: z.literal('fcm'), ...appFields }).strict(),
        ]),
      )
      .default([])
      .describe('Apps this instance pushes for, each with its own credentials.'),
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
/** One app: its provider, credentials and how registrations name it. */
export type AppConfig = RawConfig['apps'][number];
export type ApnsAppConfig = Extract<AppConfig, { provider: 'apns' }>;
export type FcmAppConfig = Extract<AppConfig, { provider: 'fcm' }>;
/**
 * The validated config. `apps` holds every app, the `[apns]` and `[fcm]` sections included (as
 * the apps "apns" and "fcm"), with `default` set on the one app per provider that registrations
 * naming no app get.
 */
export type Config = Omit<RawConfig, 'component' | 'apns' | 'fcm'> & {
  component?: ComponentConfig;
};

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
  const { apns, fcm, ...config } = parsed.data;
  const at = (p: string) => resolve(baseDir, p);
  config.store.path = at(config.store.path);
  const apps = resolveApps(config.apps, apns, fcm);
  for (const app of apps) {
    if (app.provider === 'apns') app.key_file = at(app.key_file);
    else app.service_account_file = at(app.service_account_file);
    if (app.ca_file) app.ca_file = at(app.ca_file);
  }
  config.apps = apps;
  const names = config.relays.map((r) => r.name);
  const dupe = names.find((n, i) => names.indexOf(n) !== i);
  if (dupe) throw new ConfigError([`relays: the name "${dupe}" is used twice`]);
  if (!config.component) return { ...config, component: undefined };
  const secret = resolveSecret(config.component, at, env);
  return { ...config, component: { ...config.component, secret } };
}

/**
 * Every app, `[apns]` and `[fcm]` first, checked as a whole; `default` ends up on one app per
 * provider where there is one to choose: the app that says so, else the `[apns]`/`[fcm]`
 * section, else the only app of that provider.
 */
function resolveApps(
  apps: AppConfig[],
  apns: RawConfig['apns'],
  fcm: RawConfig['fcm'],
): AppConfig[] {
  const legacy: AppConfig[] = [];
  const common = { default: false, tigase_providers: [], stateless: false };
  if (apns) legacy.push({ ...apns, ...common, name: 'apns', provider: 'apns' });
  if (fcm) legacy.push({ ...fcm, ...common, name: 'fcm', provider: 'fcm' });
  const all = [...legacy, ...apps];
  const problems: string[] = [];
  const twice = (what: string, values: (string | undefined)[]) => {
    const seen = new Set<string>();
    for (const v of values) {
      if (v === undefined) continue;
      if (seen.has(v)) problems.push(`apps: ${what} "${v}" is used twice`);
      seen.add(v);
    }
  };
  twice(
    'the name',
    all.map((a) => a.name),
  );
  twice(
    'the Tigase provider',
    all.flatMap((a) => a.tigase_providers),
  );
  twice(
    'the pushModule',
    all.map((a) => a.push_module),
  );
  for (const a of all) {
    if (a.provider !== 'apns') continue;
    if (a.sandbox_endpoint && a.environment !== 'both') {
      problems.push(`apps.${a.name}: sandbox_endpoint needs environment = "both"`);
    }
    // Tigase clients send one provider value for every build: it cannot choose an environment.
    if (a.environment === 'both' && a.tigase_providers.length > 0) {
      problems.push(
        `apps.${a.name}: tigase_providers needs one environment (make one app per environment)`,
      );
    }
  }
  for (const a of all) {
    if (a.stateless && a.push_module === undefined) {
      problems.push(`apps.${a.name}: stateless = true needs push_module`);
    }
  }
  for (const provider of ['apns', 'fcm'] as const) {
    const mine = all.filter((a) => a.provider === provider);
    const chosen = mine.filter((a) => a.default);
    if (chosen.length > 1) {
      problems.push(`apps: ${chosen.map((a) => a.name).join(' and ')} both say default = true`);
    }
    const fallback = legacy.find((a) => a.provider === provider) ?? (mine.length === 1 && mine[0]);
    if (chosen.length === 0 && fallback) fallback.default = true;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return all;
}

/**
 * What is valid but likely a mistake: a provider with apps and no default app. Registrations
 * naming no app are then refused, and devices stored before `[[apps]]` (which name none) get no
 * pushes, so their users' servers switch push off.
 */
export function configWarnings(config: Config): string[] {
  return (['apns', 'fcm'] as const).flatMap((provider) => {
    const mine = config.apps.filter((a) => a.provider === provider);
    if (mine.length === 0 || mine.some((a) => a.default)) return [];
    return [
      `apps: several ${provider === 'apns' ? 'APNs' : 'FCM'} apps and none says default = true: registrations must name their app, and devices registered before [[apps]] get no pushes`,
    ];
  });
}

/** The example config's secret: a component running with it is open to anyone who read the example. */
const PLACEHOLDER_SECRET = 'change-me';

function resolveSecret(
  c: NonNullable<RawConfig['component']>,
  at: (p: string) => string,
  env: NodeJS.ProcessEnv,
): string {
  const secret = readSecret(c, at, env);
  if (secret.trim() === PLACEHOLDER_SECRET) {
    throw new ConfigError([
      'component.secret: "change-me" is the example\'s placeholder: set the secret the XMPP server has for this component',
    ]);
  }
  return secret;
}

function readSecret(
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
