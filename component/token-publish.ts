// Publishes that carry a whitelist token instead of naming a registration: ChatSecure enables
// XEP-0357 with a random node and publish-options `token` (of POST /api/v1/tokens/) and
// `endpoint` (the relay's …/api/v1/messages/ URL), as its app server RubDub expected.
import type { Notification } from '../relay/notification.js';
import type { Targets } from '../relay/targets.js';
import { TOKEN_FORMAT, type TokenPush } from '../relay/token-push.js';
import { apiRoot } from '../relay-client/request.js';
import type { Reply } from './iq-router.js';
import { type PublishOutcome, publishAnswer } from './publish-outcome.js';
import { refusalError } from './relay-protocol.js';

/** `…/api/v1/messages/` of a relay's base URL, without a trailing slash, for comparing. */
export function messagesEndpoint(baseUrl: string): string {
  return new URL('messages/', apiRoot(baseUrl)).href.replace(/\/$/, '');
}

export interface TokenPublishOptions {
  tokenPush: TokenPush;
  targets: Targets;
  /** Configured `[[relays]]`: name → base URL. No other endpoint is ever contacted. */
  remotes: ReadonlyMap<string, string>;
}

export function tokenPublisher(o: TokenPublishOptions) {
  const endpoints = new Map(
    [...o.remotes].map(([name, url]) => [messagesEndpoint(url), name] as const),
  );
  /** The configured relay whose messages URL `endpoint` is; undefined for any other. */
  const remoteOf = (endpoint: string): string | undefined => {
    try {
      return endpoints.get(new URL(endpoint).href.replace(/\/$/, ''));
    } catch {
      return undefined;
    }
  };

  /**
   * Pushes with `token` through the relay that holds it: a configured remote relay when the
   * endpoint is its messages URL, else this relay (an endpoint naming no configured relay is
   * never contacted; the token must then be one of ours).
   */
  return async function publishWithToken(
    token: string,
    endpoint: string | undefined,
    from: string,
    n: Notification,
  ): Promise<[PublishOutcome, Reply]> {
    const remote = endpoint === undefined ? undefined : remoteOf(endpoint);
    if (remote !== undefined) {
      // Whatever a publisher writes is not handed to another operator's relay: only a token.
      if (!TOKEN_FORMAT.test(token)) return ['malformed', refusalError({ refused: 'malformed' })];
      const outcome = await o.targets.push({ kind: 'remote', relay: remote, token }, n);
      return publishAnswer(outcome, 'the relay does not know this token');
    }
    const outcome = await o.tokenPush.push(token, `jid:${from}`, n);
    if (typeof outcome === 'string') return [outcome, undefined];
    const why = outcome.refused;
    const counted: Record<typeof why, PublishOutcome> = {
      unknown: 'gone',
      malformed: 'malformed',
      'locked-out': 'limited',
      'token-limit': 'limited',
      'account-limit': 'limited',
      unavailable: 'unavailable',
      'too-large': 'too-large',
    };
    return [counted[why], refusalError(outcome)];
  };
}
