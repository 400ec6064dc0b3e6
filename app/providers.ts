import { readFileSync } from 'node:fs';
import { ConfigError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { createApnsProvider } from '../relay/apns.js';
import { createFcmProvider } from '../relay/fcm.js';
import type { Provider, ProviderName } from '../relay/provider.js';
import type { Config } from './config.js';

function read(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`]);
  }
}

/** The files named by the config, read and checked (used by start and check-config). */
export function readProviderFiles(config: Config) {
  const apns = config.apns && {
    key: read('apns.key_file', config.apns.key_file),
    ca: config.apns.ca_file ? read('apns.ca_file', config.apns.ca_file) : undefined,
  };
  if (apns && !apns.key.includes('PRIVATE KEY')) {
    throw new ConfigError(['apns.key_file: not a PEM private key (expected an AuthKey_*.p8 file)']);
  }
  let fcm: { serviceAccount: Record<string, string>; ca?: string } | undefined;
  if (config.fcm) {
    const text = read('fcm.service_account_file', config.fcm.service_account_file);
    let account: Record<string, string>;
    try {
      account = JSON.parse(text);
    } catch {
      throw new ConfigError(['fcm.service_account_file: not JSON']);
    }
    const missing = ['project_id', 'client_email', 'private_key'].filter((k) => !account[k]);
    if (missing.length > 0) {
      throw new ConfigError([`fcm.service_account_file: missing ${missing.join(', ')}`]);
    }
    fcm = {
      serviceAccount: account,
      ca: config.fcm.ca_file ? read('fcm.ca_file', config.fcm.ca_file) : undefined,
    };
  }
  return { apns, fcm };
}

export function createProviders(config: Config, log: Logger): Map<ProviderName, Provider> {
  const files = readProviderFiles(config);
  const providers = new Map<ProviderName, Provider>();
  if (config.apns && files.apns) {
    providers.set(
      'apns',
      createApnsProvider({
        key: files.apns.key,
        ca: files.apns.ca,
        keyId: config.apns.key_id,
        teamId: config.apns.team_id,
        topic: config.apns.topic,
        environment: config.apns.environment,
        endpoint: config.apns.endpoint,
        maxInFlight: config.apns.max_in_flight,
        log: log.child({ provider: 'apns' }),
      }),
    );
  }
  if (config.fcm && files.fcm) {
    providers.set(
      'fcm',
      createFcmProvider({
        serviceAccount: files.fcm.serviceAccount,
        ca: files.fcm.ca,
        endpoint: config.fcm.endpoint,
        log: log.child({ provider: 'fcm' }),
      }),
    );
  }
  return providers;
}
