// The user's XMPP server's side of a XEP-0114 component connection (jabber:component:accept),
// for the tools that play that server (bench/generator.ts, harness/faults/publisher.ts): the
// stream header and handshake (SHA-1 of stream id + secret), XEP-0357 publishes shaped like
// Prosody 0.12 mod_cloud_notify's, and a reader of the component's IQ answers.
import { createHash, randomBytes } from 'node:crypto';
import type net from 'node:net';
import LtxParser from 'ltx/lib/parsers/ltx.js';

const NS_STREAM = 'http://etherx.jabber.org/streams';

/**
 * Answers the component's stream header on `socket` (utf8) and checks its handshake; a wrong one
 * gets `not-authorized` and the stream ends. Once it passes, `onOnline()` returns the reader of
 * the rest of the stream, which gets what followed the handshake and every later chunk.
 */
export function acceptComponent(
  socket: net.Socket,
  o: { domain: string; secret: string },
  onOnline: () => (chunk: string) => void,
): void {
  const streamId = randomBytes(8).toString('hex');
  let head = '';
  let sentHeader = false;
  let read: ((chunk: string) => void) | undefined;
  socket.on('data', (chunk: string) => {
    if (read) return read(chunk);
    head += chunk;
    if (!sentHeader) {
      if (!/<stream:stream\b[^>]*>/.test(head)) return;
      sentHeader = true;
      socket.write(
        `<?xml version='1.0'?><stream:stream xmlns:stream='${NS_STREAM}' xml:lang='en' ` +
          `id='${streamId}' from='${o.domain}' xmlns='jabber:component:accept'>`,
      );
    }
    const hs = /<handshake>([0-9a-fA-F]*)<\/handshake>/.exec(head);
    if (!hs) return;
    const want = createHash('sha1')
      .update(streamId + o.secret)
      .digest('hex');
    if (hs[1]?.toLowerCase() !== want) {
      socket.end(
        `<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
      );
      return;
    }
    socket.write('<handshake/>');
    read = onOnline();
    const rest = head.slice((hs.index ?? 0) + hs[0].length);
    if (rest) read(rest);
  });
}

export interface PublishContent {
  node: string;
  secret: string;
  /** The summary's `message-count`. */
  count: number;
  /** The summary's `last-message-sender` and `last-message-body`. */
  sender: string;
  body: string;
}

/** A publish as Prosody 0.12 mod_cloud_notify sends it (util.dataforms `form` of push_form). */
export function publishStanza(id: string, from: string, to: string, c: PublishContent): string {
  return (
    `<iq type='set' from='${from}' to='${to}' id='${id}'>` +
    `<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='${c.node}'><item>` +
    `<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='form'>` +
    `<field type='hidden' var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>` +
    `<field type='text-single' var='message-count'><value>${c.count}</value></field>` +
    `<field type='text-single' var='pending-subscription-count'/>` +
    `<field type='jid-single' var='last-message-sender'><value>${c.sender}</value></field>` +
    `<field type='text-single' var='last-message-body'><value>${c.body}</value></field>` +
    `</x></notification></item></publish>` +
    `<publish-options><x xmlns='jabber:x:data' type='submit'>` +
    `<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
    `<field var='secret'><value>${c.secret}</value></field>` +
    `</x></publish-options></pubsub></iq>`
  );
}

export interface IqAnswer {
  id: string;
  type: string;
  /** `<error type>` and its condition (first child of `<error/>` but `<text/>`), on errors. */
  errorType?: string;
  condition?: string;
}

/**
 * Reads the IQs of a component stream whose header was consumed (stanzas at depth 1) with ltx's
 * streaming parser; `onEnd` hears of a stream error, the stream's end tag or broken XML.
 */
export function iqAnswerReader(
  onAnswer: (a: IqAnswer) => void,
  onEnd: (why: string) => void = () => undefined,
): (chunk: string) => void {
  const p = new LtxParser();
  let depth = 0;
  let inError = false;
  let open: IqAnswer | undefined;
  p.on('startElement', (name: string, attrs: Record<string, string>) => {
    depth++;
    if (depth === 1) {
      open = name === 'iq' ? { id: attrs.id ?? '', type: attrs.type ?? '' } : undefined;
      if (name === 'stream:error') onEnd(name);
    } else if (depth === 2 && open) {
      inError = name === 'error';
      if (inError) open.errorType = attrs.type;
    } else if (depth === 3 && inError && open && open.condition === undefined) {
      if (name !== 'text') open.condition = name;
    }
  });
  p.on('endElement', () => {
    depth--;
    if (depth === 0 && open) onAnswer(open);
    if (depth === 0) open = undefined;
    if (depth < 0) onEnd('stream:stream');
  });
  p.on('error', (err: Error) => onEnd(`XML error: ${err.message}`));
  return (chunk) => p.write(chunk);
}
