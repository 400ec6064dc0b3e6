// The apps this instance pushes for (`[[apps]]`): what registrations may name, and how a
// registration's words (an `app` field, a Tigase `provider`, a Monal `pushModule`) map to one.
import { PROVIDER_NAMES, type ProviderName } from '../lib/providers.js';
import type { DeviceRoute, Environment } from '../store/types.js';

export interface AppInfo {
  name: string;
  provider: ProviderName;
  /** The app of registrations that name none, for its provider. */
  isDefault: boolean;
  /** APNs: the environments its builds use (two: each registration picks one); FCM: none. */
  environments: readonly Environment[];
  /** APNs: calls can be pushed as VoIP (PushKit) pushes. */
  voip: boolean;
  /** Monal-style publishes (node = device token) are accepted for it. */
  stateless: boolean;
  /** The `pushModule` publish-options value that names it (Monal-style clients). */
  pushModule?: string;
  /** The `provider` values of Tigase `register-device` that name it. */
  tigaseProviders: readonly string[];
}

/** What a registration asks for, in its family's words. */
export interface AppRequest {
  provider: ProviderName;
  /** An app name; absent: the provider's default app. */
  app?: string;
  environment?: Environment;
}

/** Why a registration names no app of this relay, and which of its fields is wrong. */
export interface AppProblem {
  problem: string;
  field: 'app' | 'environment';
}

export interface Apps {
  readonly list: readonly AppInfo[];
  /** The app and environment of a new device, or why the request names none. */
  resolve(r: AppRequest): (DeviceRoute & { app: string }) | AppProblem;
  byTigaseProvider(value: string): AppInfo | undefined;
  byPushModule(value: string): AppInfo | undefined;
  /**
   * The app that delivers to this device, if this process has it; a device without an app
   * (stored before apps existed) belongs to its provider's default app.
   */
  of(device: { provider: ProviderName; app?: string }): AppInfo | undefined;
}

/** One line on an app, for admins: `siskin (APNs, production and sandbox, VoIP, default)`. */
export function describeApp(a: AppInfo): string {
  const parts = [
    PROVIDER_NAMES[a.provider],
    a.environments.join(' and '),
    a.voip && 'VoIP',
    a.stateless && 'stateless',
    a.isDefault && 'default',
  ].filter(Boolean);
  return `${a.name} (${parts.join(', ')})`;
}

/** The environment a device's pushes go to: its own, else its app's only one (FCM: none). */
export function environmentOf(app: AppInfo, device: DeviceRoute): Environment | undefined {
  return device.environment ?? app.environments[0];
}

export function createApps(list: readonly AppInfo[]): Apps {
  const byName = new Map(list.map((a) => [a.name, a]));
  const defaults = new Map(list.filter((a) => a.isDefault).map((a) => [a.provider, a]));
  const names = (p: ProviderName) =>
    list
      .filter((a) => a.provider === p)
      .map((a) => a.name)
      .join(', ');
  return {
    list,
    resolve({ provider, app: name, environment }) {
      const kind = PROVIDER_NAMES[provider];
      const app = name === undefined ? defaults.get(provider) : byName.get(name);
      if (!app || app.provider !== provider) {
        const known = names(provider);
        const field = 'app';
        if (!known) return { field, problem: `this relay does not deliver through ${kind}` };
        return name === undefined
          ? { field, problem: `several ${kind} apps are configured; name one in app (${known})` }
          : { field, problem: `unknown ${kind} app "${name}"; this relay knows: ${known}` };
      }
      if (environment !== undefined && !app.environments.includes(environment)) {
        return {
          field: 'environment',
          problem: `app "${app.name}" does not use the ${environment} environment (${app.environments.join(', ') || 'none'})`,
        };
      }
      // An app with two environments needs each device to say which one its build uses.
      if (app.environments.length > 1 && environment === undefined) {
        return {
          field: 'environment',
          problem: `app "${app.name}" uses both environments; name one in environment`,
        };
      }
      return {
        app: app.name,
        ...(app.environments.length > 1 && environment && { environment }),
      };
    },
    byTigaseProvider: (value) => list.find((a) => a.tigaseProviders.includes(value)),
    byPushModule: (value) => list.find((a) => a.pushModule === value),
    of: (d) => (d.app === undefined ? defaults.get(d.provider) : byName.get(d.app)),
  };
}
