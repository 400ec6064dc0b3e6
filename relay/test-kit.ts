// Apps and senders for unit tests, without configuration files.
import { type AppSender, appSender } from './app-senders.js';
import { type AppInfo, type Apps, createApps } from './apps.js';
import type { Provider } from './provider.js';
import { isOverQuota, type OverQuota } from './quotas.js';

/** An app as `[[apps]]` would give it; a provider's first app is its default. */
export function testApp(name: string, provider: AppInfo['provider'], more: Partial<AppInfo> = {}) {
  return {
    name,
    provider,
    isDefault: true,
    environments: provider === 'apns' ? (['production'] as const) : [],
    voip: false,
    stateless: false,
    tigaseProviders: [],
    ...more,
  } satisfies AppInfo;
}

/** The default APNs and FCM apps, named after their providers. */
export const testApps = (): Apps => createApps([testApp('apns', 'apns'), testApp('fcm', 'fcm')]);

/** One sender per app, each sending through the given provider (every environment). */
export function sendersOver(
  apps: Apps,
  provider: Provider,
  topics: Record<string, { topic?: string; voipTopic?: string }> = {},
): Map<string, AppSender> {
  return new Map(
    apps.list.map((app) => {
      const environments =
        app.environments.length > 0 ? app.environments : (['production'] as const);
      const connections = new Map(environments.map((e) => [e, provider] as const));
      return [app.name, appSender(app, { connections, ...topics[app.name] })];
    }),
  );
}

/** What a quota-checked call made, failing the test when a quota refused (or nothing was made). */
export function within<T extends object>(made: T | OverQuota | undefined): T {
  if (made === undefined) throw new Error('nothing was made');
  if (isOverQuota(made)) throw new Error(`over quota ${made.over}`);
  return made;
}
