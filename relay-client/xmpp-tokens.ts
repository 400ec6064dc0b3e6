// Whitelist tokens as urn:xmpp:push-relay:0 carries them: parsing with checks, and building.
import { xml } from '@xmpp/client';
import type { Element } from '@xmpp/xml';

export const NS_RELAY = 'urn:xmpp:push-relay:0';
const TOKEN = /^[0-9a-f]{40}$/i;
// RFC 7622 leaves much to PRECIS; this only rules out what cannot be a JID part or is suspicious.
const LOCAL = /^[^\s"&'/:<>@]{1,1023}$/u;
const DOMAIN = /^(?!.*\.\.)[^\s"&'/:<>@.\\][^\s"&'/:<>@\\]{0,1022}$/u;

/** A whitelist token and where to use it. */
export interface Token {
  /** 40 hex digits. Whoever holds it may push: keep it secret. */
  token: string;
  /** JID of the relay component that accepts the token. */
  relay: string;
  /** ISO 8601, when the relay said. */
  expires?: string;
  /** HTTP base URL of the same relay, when it said. */
  api?: string;
}

export const isTokenValue = (s: string): boolean => TOKEN.test(s);

/** A bare JID (`domain` or `local@domain`) that could name a relay component. */
export function isBareJid(s: string): boolean {
  const at = s.lastIndexOf('@');
  if (at === -1) return DOMAIN.test(s);
  return LOCAL.test(s.slice(0, at)) && DOMAIN.test(s.slice(at + 1));
}

/** An `http:` or `https:` URL without credentials, query or fragment. */
export function isApiUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      !url.username &&
      !url.password &&
      !url.search &&
      !url.hash
    );
  } catch {
    return false;
  }
}

/**
 * The usable tokens of a `<tokens/>` answer, once each: 40 hex digits (lower-cased), a bare relay
 * JID (`relay` when the element names none), not expired. A bad `expires` or `api` is left out.
 */
export function parseTokens(
  tokens: Element | undefined,
  relay?: string,
  now = Date.now(),
): Token[] {
  const out = new Map<string, Token>();
  for (const el of tokens?.getChildren('token') ?? []) {
    const token = el.getText().trim().toLowerCase();
    const to = el.attrs.relay ?? relay ?? '';
    if (!isTokenValue(token) || !isBareJid(to)) continue;
    const t: Token = { token, relay: to };
    const expires = Date.parse(el.attrs.expires ?? '');
    if (!Number.isNaN(expires)) {
      if (expires <= now) continue;
      t.expires = new Date(expires).toISOString();
    }
    if (el.attrs.api && isApiUrl(el.attrs.api)) t.api = el.attrs.api;
    if (!out.has(token)) out.set(token, t);
  }
  return [...out.values()];
}

export function tokensElement(tokens: Token[]): Element {
  return xml(
    'tokens',
    { xmlns: NS_RELAY },
    ...tokens.map((t) => xml('token', { relay: t.relay, expires: t.expires, api: t.api }, t.token)),
  );
}
