import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { createApnsProvider } from '../relay/apns.js';
import { type AppSender, appSender } from '../relay/app-senders.js';
import { type AppInfo, type Apps, createApps } from '../relay/apps.js';
import { createFcmProvider } from '../relay/fcm.js';
import type { Provider } from '../relay/provider.js';
import type { Environment } from '../store/types.js';
import type { ApnsAppConfig, AppConfig, Config, FcmAppConfig } from './config.js';

function read(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`]);
  }
}

/** Where an app's settings live in the config file, for messages. */
const where = (a: AppConfig): string => (a.name === a.provider ? a.provider : `apps.${a.name}`);

type ApnsFiles = { provider: 'apns'; key: string; ca?: string };
type FcmFiles = {
  provider: 'fcm';
  serviceAccount: Record<string, string>;
  ca?: string;
};

function readApns(a: ApnsAppConfig): ApnsFiles {
  const key = read(`${where(a)}.key_file`, a.key_file);
  if (!key.includes('PRIVATE KEY')) {
    throw new ConfigError([
      `${where(a)}.key_file: not a PEM private key (expected an AuthKey_*.p8 file)`,
    ]);
  }
  const ca = a.ca_file ? read(`${where(a)}.ca_file`, a.ca_file) : undefined;
  return { provider: 'apns', key, ca };
}

function readFcm(a: FcmAppConfig): FcmFiles {
  const text = read(`${where(a)}.service_account_file`, a.service_account_file);
  let account: Record<string, string>;
  try {
    account = JSON.parse(text);
  } catch {
    throw new ConfigError([`${where(a)}.service_account_file: not JSON`]);
  }
  const missing = ['project_id', 'client_email', 'private_key'].filter((k) => !account[k]);
  if (missing.length > 0) {
    throw new ConfigError([`${where(a)}.service_account_file: missing ${missing.join(', ')}`]);
  }
  const ca = a.ca_file ? read(`${where(a)}.ca_file`, a.ca_file) : undefined;
  return { provider: 'fcm', serviceAccount: account, ca };
}

/**
 * The files every app names, read and checked; all problems at once (used by start and
 * check-config).
 */
export function readProviderFiles(config: Config): Map<string, ApnsFiles | FcmFiles> {
  const files = new Map<string, ApnsFiles | FcmFiles>();
  const problems: string[] = [];
  for (const a of config.apps) {
    try {
      files.set(a.name, a.provider === 'apns' ? readApns(a) : readFcm(a));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return files;
}

/** What an app is, without its credentials. */
export function appInfo(a: AppConfig): AppInfo {
  const environments: Environment[] =
    a.provider === 'fcm'
      ? []
      : a.environment === 'both'
        ? ['production', 'sandbox']
        : [a.environment];
  return {
    name: a.name,
    provider: a.provider,
    isDefault: a.default,
    environments,
    voip: a.provider === 'apns' && a.voip_topic !== undefined,
    stateless: a.stateless,
    ...(a.push_module !== undefined && { pushModule: a.push_module }),
    tigaseProviders: a.tigase_providers,
  };
}

export interface Senders {
  apps: Apps;
  /** By app name. */
  senders: ReadonlyMap<string, AppSender>;
  /** Every provider connection, each once (apps may share one). */
  connections: readonly Provider[];
}

/**
 * One sender per app. Connections are shared where Apple and Google allow: one HTTP/2 session
 * per APNs key and environment (its apps differ by topic only), one FCM client per project.
 */
export function createSenders(config: Config, log: Logger): Senders {
  const files = readProviderFiles(config);
  const shared = new Map<string, Provider>();
  const connection = (id: string, make: () => Provider): Provider => {
    let p = shared.get(id);
    if (!p) {
      p = make();
      shared.set(id, p);
    }
    return p;
  };
  const senders = new Map<string, AppSender>();
  for (const a of config.apps) {
    const info = appInfo(a);
    const f = files.get(a.name);
    const connections = new Map<Environment, Provider>();
    if (a.provider === 'apns' && f?.provider === 'apns') {
      for (const environment of info.environments) {
        const endpoint =
          environment === 'sandbox' && a.environment === 'both' ? a.sandbox_endpoint : a.endpoint;
        const id = [a.key_id, a.team_id, environment, endpoint ?? '', f.key].join('\n');
        connections.set(
          environment,
          connection(id, () =>
            createApnsProvider({
              key: f.key,
              ca: f.ca,
              keyId: a.key_id,
              teamId: a.team_id,
              topic: a.topic,
              environment,
              endpoint,
              maxInFlight: a.max_in_flight,
              requestTimeoutMs: a.request_timeout_ms,
              log: log.child({ provider: 'apns', key: a.key_id, environment }),
            }),
          ),
        );
      }
      senders.set(
        a.name,
        appSender(info, { connections, topic: a.topic, voipTopic: a.voip_topic }),
      );
    } else if (a.provider === 'fcm' && f?.provider === 'fcm') {
      const project = f.serviceAccount.project_id ?? '';
      const id = [project, a.endpoint ?? '', f.serviceAccount.client_email].join('\n');
      connections.set(
        'production',
        connection(id, () =>
          createFcmProvider({
            serviceAccount: f.serviceAccount,
            ca: f.ca,
            endpoint: a.endpoint,
            maxConnections: a.max_connections,
            requestTimeoutMs: a.request_timeout_ms,
            log: log.child({ provider: 'fcm', project }),
          }),
        ),
      );
      senders.set(a.name, appSender(info, { connections }));
    }
  }
  return { apps: createApps(config.apps.map(appInfo)), senders, connections: [...shared.values()] };
}
