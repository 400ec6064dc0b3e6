// The relay protocol's IQs on the component (xep-draft/push-relay.xml, urn:xmpp:push-relay:0):
// issue tokens to a user, push with a whitelist token, revoke a token.
import { type Element, xml } from '@xmpp/component';
import { isoTime } from '../lib/time.js';
import type { RelayService } from '../relay/service.js';
import { type Refusal, TOKEN_FORMAT, type TokenPush } from '../relay/token-push.js';
import type { IqRequest, IqRoute, Reply } from './iq-router.js';
import { bareJid, parseJid } from './jid.js';
import { NS_RELAY } from './ns.js';
import { quotaError } from './quota-error.js';
import { StanzaError } from './stanza-error.js';

const MAX_DATA = 100;

export interface RelayProtocolOptions {
  /** This component's JID: the `relay` of the tokens it issues. */
  jid: string;
  service: RelayService;
  tokenPush: TokenPush;
  /** HTTP base URL of the relay API, given out with tokens when known. */
  api?: string;
}

/** The stanza error for a token that was not used: unusable tokens all get the same one. */
export function refusalError(r: Refusal): StanzaError {
  switch (r.refused) {
    case 'malformed':
      return new StanzaError('bad-request', 'token must be 40 hex digits');
    case 'unknown':
      return new StanzaError('item-not-found', 'unknown token');
    case 'locked-out':
      return new StanzaError('resource-constraint', 'too many failed pushes; wait');
    case 'token-limit':
      return new StanzaError('resource-constraint', 'too many pushes for this token; wait');
    case 'account-limit':
      return new StanzaError('resource-constraint', 'too many pushes for this user; wait');
    case 'unavailable':
      return new StanzaError('recipient-unavailable', 'the relay cannot deliver now; try later');
    case 'too-large':
      return new StanzaError('not-acceptable', r.reason);
  }
}

export function tokensElement(
  o: { jid: string; api?: string },
  tokens: Array<{ token: string; expiresAt?: number }>,
): Element {
  return xml(
    'tokens',
    { xmlns: NS_RELAY },
    ...tokens.map((t) =>
      xml(
        'token',
        {
          relay: o.jid,
          expires: isoTime(t.expiresAt),
          api: o.api,
        },
        t.token,
      ),
    ),
  );
}

/** The requesting user's bare JID, or forbidden for anything but a user. */
function user(from: string): string | StanzaError {
  const j = parseJid(from);
  return j?.local ? bareJid(j) : new StanzaError('forbidden', 'only user accounts have tokens');
}

export function relayProtocolRoutes(o: RelayProtocolOptions): IqRoute[] {
  /** §issue: a whitelist token for all of the user's registered devices. */
  async function issue({ from, element }: IqRequest): Promise<Reply> {
    const jid = user(from);
    if (jid instanceof StanzaError) return jid;
    const name = element.attrs.name ?? '';
    if (name.length > 255)
      return new StanzaError('bad-request', 'name is longer than 255 characters');
    const issued = await o.service.issueXmppToken(jid, name);
    if (!issued) return new StanzaError('item-not-found', 'register a device first');
    if ('over' in issued) return quotaError(issued);
    return tokensElement(o, [{ token: issued.token, expiresAt: issued.record.expiresAt }]);
  }

  /** §push: wake the devices behind a token; one answer for every unusable token. */
  async function push({ from, element }: IqRequest): Promise<Reply> {
    const token = element.attrs.token ?? '';
    const priority = element.attrs.priority ?? 'high';
    const data = element.getChild('data')?.getText();
    if (priority !== 'high' && priority !== 'low') {
      return new StanzaError('bad-request', 'priority must be high or low');
    }
    if (data !== undefined && data.length > MAX_DATA) {
      return new StanzaError('bad-request', `data is longer than ${MAX_DATA} characters`);
    }
    const sender = bareJid(parseJid(from) ?? { domain: from });
    const result = await o.tokenPush.push(token, `jid:${sender}`, {
      priority,
      ...(data === undefined ? {} : { data }),
    });
    return typeof result === 'string' ? undefined : refusalError(result);
  }

  /** §revoke: by the user it was issued to, by the token or by its id; effective at once. */
  async function revoke({ from, element }: IqRequest): Promise<Reply> {
    const jid = user(from);
    if (jid instanceof StanzaError) return jid;
    const { token, id } = element.attrs;
    if ((token === undefined) === (id === undefined)) {
      return new StanzaError('bad-request', 'give either token or id');
    }
    if (token !== undefined && !TOKEN_FORMAT.test(token)) {
      return new StanzaError('bad-request', 'token must be 40 hex digits');
    }
    if (id !== undefined && !/^\d{1,18}$/.test(id)) {
      return new StanzaError('bad-request', 'id must be the decimal id from <list/>');
    }
    const done = await o.service.revokeXmppToken(jid, (token ?? id ?? '').toLowerCase());
    return done ? undefined : new StanzaError('item-not-found', 'you have no such token');
  }

  /** §list: the user's own tokens, by id and name; the tokens themselves are not kept. */
  async function list({ from }: IqRequest): Promise<Reply> {
    const jid = user(from);
    if (jid instanceof StanzaError) return jid;
    const tokens = await o.service.listXmppTokens(jid);
    return xml(
      'list',
      { xmlns: NS_RELAY },
      ...tokens.map((t) =>
        xml('issued', {
          id: t.id,
          name: t.name,
          created: isoTime(t.createdAt),
          expires: isoTime(t.expiresAt),
        }),
      ),
    );
  }

  const route = (
    name: string,
    handler: IqRoute['handler'],
    type: IqRoute['type'] = 'set',
  ): IqRoute => ({
    type,
    ns: NS_RELAY,
    name,
    handler,
    features: [NS_RELAY],
  });
  return [
    route('issue', issue),
    route('push', push),
    route('revoke', revoke),
    route('list', list, 'get'),
  ];
}
