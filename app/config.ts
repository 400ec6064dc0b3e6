import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { z } from 'zod';
import { ConfigError } from '../lib/errors.js';
import { schema } from './config-schema.js';

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
