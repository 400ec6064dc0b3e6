import { expect, it } from '@jest/globals';
import { exceedsBytes } from './iq-router.js';
import { parse } from './test-kit.js';

it('measures a stanza as its written size, without writing it', () => {
  const stanza = parse(
    `<iq type='set' from='localhost' to='push.localhost' id='x'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item><notification xmlns='urn:xmpp:push:0'>${'é'.repeat(100)}</notification></item></publish></pubsub></iq>`,
  );
  const written = Buffer.byteLength(stanza.toString());
  expect(exceedsBytes(stanza, written)).toBe(false);
  expect(exceedsBytes(stanza, written - 1)).toBe(true);
  expect(exceedsBytes(stanza, 100)).toBe(true);
});
