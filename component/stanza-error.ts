import { type Element, xml } from '@xmpp/component';
import { NS_STANZAS } from './ns.js';

export type ErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/**
 * Each condition we send, with its type (RFC 6120 §8.3.3). The type is protocol: XMPP servers
 * disable a user's push registration on our non-`wait` errors (ejabberd on the first one), so
 * anything that is our trouble rather than the registration's is `wait`.
 */
const TYPES = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  'internal-server-error': 'wait',
  'item-not-found': 'cancel',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
} as const satisfies Record<string, ErrorType>;

export type Condition = keyof typeof TYPES;

/** A stanza error as a value; handlers return it, the IQ wrapper turns it into XML. */
export class StanzaError {
  constructor(
    readonly condition: Condition,
    readonly text?: string,
    /** An application-specific condition element (e.g. XEP-0050 `<bad-sessionid/>`). */
    readonly app?: Element,
  ) {}

  get type(): ErrorType {
    return TYPES[this.condition];
  }

  toElement(): Element {
    return xml(
      'error',
      { type: this.type },
      xml(this.condition, { xmlns: NS_STANZAS }),
      this.text ? xml('text', { xmlns: NS_STANZAS }, this.text) : undefined,
      this.app,
    );
  }
}
