// XEP-0357: Push Notifications — the App Server side of a publish (§5 "Recommended Push
// Notification Format", §6 "Publishing Notifications"). https://xmpp.org/extensions/xep-0357.html
// A publish names a registration (node + secret; Tigase registrations: the node alone), or
// carries a whitelist token (ChatSecure), or a device token as node (Monal, stateless apps).
import type { Element } from '@xmpp/component';
import type { Logger } from '../lib/log.js';
import { secretMatches } from '../lib/secrets.js';
import { cutText } from '../lib/text.js';
import type { Call, Notification } from '../relay/notification.js';
import { QuotaExceededError } from '../relay/quotas.js';
import type { PushOutcome, RelayService } from '../relay/service.js';
import type { Targets } from '../relay/targets.js';
import type { TokenPush } from '../relay/token-push.js';
import { type Limiter, type Registration, type Store, targetRelay } from '../store/types.js';
import { type FormValues, formType, readForm, single } from './forms.js';
import type { IqRequest, IqRoute, Reply } from './iq-router.js';
import { parseJid } from './jid.js';
import {
  NS_DATA,
  NS_PUBLISH_OPTIONS,
  NS_PUBSUB,
  NS_PUSH,
  NS_PUSH_ENCRYPTED,
  NS_PUSH_JINGLE,
  NS_PUSH_SUMMARY,
} from './ns.js';
import { type PublishOutcome, publishAnswer } from './publish-outcome.js';
import { quotaError } from './quota-error.js';
import { StanzaError } from './stanza-error.js';
import { statelessPublisher } from './stateless-publish.js';
import { tokenPublisher } from './token-publish.js';

export type { PublishOutcome };

export interface PublishOptions {
  store: Store;
  targets: Targets;
  push: { includeSender: boolean; includeBody: boolean; priority: 'high' | 'low' };
  service: RelayService;
  tokenPush: TokenPush;
  /** The per-token push limit (stateless devices share it, keyed apart). */
  perToken: Limiter;
  /** Configured `[[relays]]`: name → base URL, for publishes that name one as endpoint. */
  remotes?: ReadonlyMap<string, string>;
  log: Logger;
  onOutcome?: (outcome: PublishOutcome) => void;
}

interface PublishRequest {
  node: string;
  options?: FormValues;
  notification: Element;
}

function parse(pubsub: Element): PublishRequest | StanzaError {
  const publish = pubsub.getChild('publish');
  const node = publish?.attrs.node;
  if (!publish || !node) return new StanzaError('bad-request', 'publish without node');
  const notification = publish.getChild('item')?.getChild('notification', NS_PUSH);
  if (!notification) return new StanzaError('bad-request', 'item without push notification');
  const options = readForm(pubsub.getChild('publish-options')?.getChild('x', NS_DATA));
  if (options && formType(options) !== NS_PUBLISH_OPTIONS) {
    return new StanzaError(
      'bad-request',
      'publish-options FORM_TYPE must be pubsub#publish-options',
    );
  }
  return { node, options, notification };
}

/** What of the summary's sender and body goes on: it keeps every payload within 4 KB. */
const SENDER_BYTES = 256;
const BODY_BYTES = 1024;

/** The summary (§5) reduced to what the operator allows to leave for Apple or Google. */
function toNotification(el: Element, o: PublishOptions['push']): Notification {
  const n: Notification = { priority: o.priority };
  const summary = el
    .getChildren('x', NS_DATA)
    .map((x) => readForm(x))
    .find((f) => f && formType(f) === NS_PUSH_SUMMARY);
  if (summary) {
    const count = Number(single(summary, 'message-count'));
    if (Number.isSafeInteger(count) && count > 0) n.messageCount = count;
    const sender = single(summary, 'last-message-sender');
    const body = single(summary, 'last-message-body');
    // Cut in bytes as the providers count them: anyone can send a user a 70 KB message.
    if (o.includeSender && sender) n.lastSender = cutText(sender, SENDER_BYTES);
    if (o.includeBody && body) n.lastBody = cutText(body, BODY_BYTES);
  }
  const encrypted = el.getChild('encrypted', NS_PUSH_ENCRYPTED);
  if (encrypted) {
    const { xmlns: _, ...attributes } = encrypted.attrs;
    n.encrypted = {
      payload: encrypted.getText(),
      attributes: Object.fromEntries(
        Object.entries(attributes).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    };
  }
  const call = callOf(el);
  if (call) n.call = call;
  return n;
}

/**
 * A call, as the user's server says it: a `<jingle xmlns='tigase:push:jingle:0'>` element
 * (Tigase server), or an encrypted payload of type `voip` (Tigase server and Prosody's
 * mod_cloud_notify_encrypted, for a Jingle Message Initiation).
 */
function callOf(el: Element): Call | undefined {
  const jingle = el.getChild('jingle', NS_PUSH_JINGLE);
  if (jingle) {
    const media = jingle
      .getChildren('media')
      .map((m) => m.getText().slice(0, 32))
      .slice(0, 4);
    const sid = jingle.attrs.sid;
    return {
      ...(typeof sid === 'string' && sid && { sid: sid.slice(0, 256) }),
      ...(media.length > 0 && { media }),
    };
  }
  return el.getChild('encrypted', NS_PUSH_ENCRYPTED)?.attrs.type === 'voip' ? {} : undefined;
}

/** The publisher must be the server of the registered user (or room): a bare domain JID. */
function publisherAllowed(from: string, reg: Registration): boolean {
  const publisher = parseJid(from);
  const owner = parseJid(reg.muc ?? reg.jid);
  return (
    publisher !== undefined &&
    publisher.local === undefined &&
    publisher.resource === undefined &&
    publisher.domain === owner?.domain
  );
}

export function publishRoute(o: PublishOptions): IqRoute {
  const withToken = tokenPublisher({ ...o, remotes: o.remotes ?? new Map() });
  const stateless = statelessPublisher({ ...o, apps: o.service.apps });
  async function handle({ from, element }: IqRequest): Promise<[PublishOutcome, Reply]> {
    // When the publish came in, before any wait: with two processes behind one server, a user's
    // publishes can reach the store out of order, and the store keeps the later one's content.
    const at = o.service.now();
    const req = parse(element);
    if (req instanceof StanzaError) return ['malformed', req];
    const reg = await o.store.registrations.get(req.node);
    const option = (name: string) => (req.options ? single(req.options, name) : undefined);
    if (!reg) {
      const notification = toNotification(req.notification, o.push);
      const token = option('token');
      if (token !== undefined) return withToken(token, option('endpoint'), from, notification);
      const pushModule = option('pushModule');
      if (pushModule !== undefined) return stateless(req.node, pushModule, notification);
      return ['unknown-node', new StanzaError('item-not-found', 'unknown push node')];
    }
    // A registration without a secret (Tigase clients) has a node of 128 random bits instead.
    const secret = option('secret');
    const secretOk =
      reg.secretHash === '' || (secret !== undefined && secretMatches(secret, reg.secretHash));
    if (!secretOk) {
      return ['bad-secret', new StanzaError('not-authorized', 'wrong or missing secret')];
    }
    if (!publisherAllowed(from, reg)) {
      return [
        'wrong-publisher',
        new StanzaError('forbidden', "only the user's server may publish"),
      ];
    }
    const notification = toNotification(req.notification, o.push);
    // The client needs to know which of its accounts can decrypt (Siskin reads `account`).
    if (notification.encrypted) notification.account = reg.jid;
    let outcome = await o.targets.push(reg.target, notification, reg.jid, at);
    if (outcome === 'gone') outcome = await viaCollected(reg.jid, notification);
    return publishAnswer(outcome, 'the device of this registration is gone');
  }

  /** The user's tokens collected from their client, tried in turn; dead ones are dropped. */
  async function viaCollected(jid: string, n: Notification): Promise<PushOutcome> {
    for (const c of await o.store.collected.listByJid(jid)) {
      const outcome = await o.targets.push(c.target, n, jid);
      const dead = typeof outcome === 'object' && 'cause' in outcome && outcome.cause === 'target';
      if (outcome !== 'gone' && !dead) return outcome;
      await o.store.collected.remove(jid, targetRelay(c.target));
    }
    return 'gone';
  }

  return {
    type: 'set',
    ns: NS_PUBSUB,
    name: 'pubsub',
    features: [NS_PUSH],
    // Anyone can send a user a 70 KB message that the server then publishes: its text is cut.
    anySize: true,
    async handler(req) {
      try {
        const [outcome, reply] = await handle(req);
        o.onOutcome?.(outcome);
        if (outcome !== 'queued' && outcome !== 'coalesced') {
          o.log.info({ from: req.from, outcome }, 'publish refused');
        }
        return reply;
      } catch (err) {
        // A push through a remote relay over a quota: `wait`, so the server keeps push on.
        if (err instanceof QuotaExceededError) {
          o.onOutcome?.('limited');
          o.log.info(
            { from: req.from, outcome: 'limited', quota: err.quota.over },
            'publish refused',
          );
          return quotaError(err.quota);
        }
        o.onOutcome?.('failed');
        throw err;
      }
    },
  };
}
