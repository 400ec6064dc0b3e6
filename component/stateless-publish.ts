// Monal-style publishes (as the fpush app server takes them): no registration and no secret;
// the node is the device token itself and publish-options `pushModule` names the app. Off
// unless an app says `stateless = true`: the user's server sees the device token, and anyone
// who knows it can push to the device (within the per-token limit).
import { DEVICE_TOKEN_FORMAT } from '../lib/providers.js';
import { cutText } from '../lib/text.js';
import type { Apps } from '../relay/apps.js';
import type { Notification } from '../relay/notification.js';
import { type RelayService, tokenDeviceId } from '../relay/service.js';
import type { Limiter } from '../store/types.js';
import type { Reply } from './iq-router.js';
import { type PublishOutcome, publishAnswer } from './publish-outcome.js';
import { StanzaError } from './stanza-error.js';

/** Monal names the sandbox build of a module with this suffix (`monalProdiOS-sandbox`). */
const SANDBOX_SUFFIX = '-sandbox';

export function statelessPublisher(o: { apps: Apps; service: RelayService; perToken: Limiter }) {
  /** The stateless app and environment a `pushModule` value names. */
  function appOf(pushModule: string) {
    const exact = o.apps.byPushModule(pushModule);
    if (exact?.stateless) return { app: exact, environment: exact.environments[0] };
    if (!pushModule.endsWith(SANDBOX_SUFFIX)) return undefined;
    const app = o.apps.byPushModule(pushModule.slice(0, -SANDBOX_SUFFIX.length));
    return app?.stateless && app.environments.includes('sandbox')
      ? { app, environment: 'sandbox' as const }
      : undefined;
  }

  return async function publishStateless(
    node: string,
    pushModule: string,
    n: Notification,
  ): Promise<[PublishOutcome, Reply]> {
    const found = appOf(pushModule);
    const named =
      o.apps.byPushModule(pushModule) ?? o.apps.byPushModule(pushModule.replace(/-sandbox$/, ''));
    if (!found && !named) {
      // An app this process lacks (removed from [[apps]], or on another process) is not gone.
      const why = `no app of this process has pushModule '${cutText(pushModule, 64)}'`;
      return ['unavailable', new StanzaError('recipient-unavailable', why)];
    }
    if (!found) {
      return ['unknown-node', new StanzaError('item-not-found', 'unknown push node or pushModule')];
    }
    const { app, environment } = found;
    if (!DEVICE_TOKEN_FORMAT[app.provider].test(node)) {
      return ['unknown-node', new StanzaError('item-not-found', 'the node is not a device token')];
    }
    const limit = await o.perToken.consume(`stateless:${app.name}:${tokenDeviceId(node)}`);
    if (!limit.ok) {
      return [
        'limited',
        new StanzaError('resource-constraint', 'too many pushes for this device; wait'),
      ];
    }
    const pushed = await o.service.pushStateless(
      {
        app: app.name,
        provider: app.provider,
        ...(app.environments.length > 1 && { environment }),
      },
      node,
      n,
    );
    return publishAnswer(pushed, 'the device token is no longer valid');
  };
}
