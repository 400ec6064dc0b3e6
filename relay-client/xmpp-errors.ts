// Errors of the XMPP side of the relay client: stanza errors, timeouts and lost connections.
import {
  RelayClientError,
  RelayHttpError,
  RelayNetworkError,
  RelayTimeoutError,
} from './errors.js';

const HEX40 = /[0-9a-f]{40}/gi;

/** A relay or a contact's client answered with a stanza error (RFC 6120 §8.3). */
export class RelayStanzaError extends RelayClientError {
  constructor(
    request: string,
    /** The defined condition, e.g. `item-not-found`. */
    readonly condition: string,
    /** `auth`, `cancel`, `modify` or `wait` (`wait`: try again later). */
    readonly type: string,
    /** The error's text, with anything that looks like a token taken out. */
    readonly text?: string,
  ) {
    super(`${request}: answered ${condition} (${type})${text ? `: ${text}` : ''}`);
  }
}

/** What an @xmpp/client IQ request rejected with, as one of the relay client's errors. */
export function fromIqError(request: string, err: unknown, timeoutMs: number): RelayClientError {
  const e = err as { name?: string; condition?: unknown; type?: unknown; text?: unknown };
  if (typeof e?.condition === 'string' && e.name === 'StanzaError') {
    const text = typeof e.text === 'string' && e.text ? e.text.replace(HEX40, '[redacted]') : '';
    return new RelayStanzaError(
      request,
      e.condition,
      String(e.type ?? 'cancel'),
      text || undefined,
    );
  }
  if (e?.name === 'TimeoutError') return new RelayTimeoutError(request, timeoutMs, { cause: err });
  const reason = err instanceof Error ? err.message.replace(HEX40, '[redacted]') : String(err);
  return new RelayNetworkError(`${request}: ${reason}`, { cause: err });
}

/** Whether a request failed for the relay's or the network's trouble: try again later. */
export function isTransient(err: RelayClientError): boolean {
  if (err instanceof RelayStanzaError) return err.type === 'wait';
  if (err instanceof RelayHttpError) return err.status === 429 || err.status >= 500;
  return err instanceof RelayTimeoutError || err instanceof RelayNetworkError;
}
