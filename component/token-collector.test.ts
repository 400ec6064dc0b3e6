import { afterEach, expect, it } from '@jest/globals';
import type { Component, Element } from '@xmpp/component';
import { within } from '../relay/test-kit.js';
import { NS_DISCO_INFO, NS_RELAY } from './ns.js';
import { log, memoryKit, parse } from './test-kit.js';
import { createTokenCollector } from './token-collector.js';

const CLIENT = 'romeo@localhost/phone';
let kit: ReturnType<typeof memoryKit>;
afterEach(() => kit?.store.close());

/** A link whose client answers disco and tokens; `answerer` is who the answers come from. */
function link(token: string, answerer: (asked: string) => string) {
  return {
    iqCaller: {
      async request(iq: Element) {
        const to = iq.attrs.to as string;
        const from = answerer(to);
        const body = iq.getChild('query', NS_DISCO_INFO)
          ? `<query xmlns='${NS_DISCO_INFO}'><feature var='${NS_RELAY}'/></query>`
          : `<tokens xmlns='${NS_RELAY}'><token relay='push.localhost'>${token}</token></tokens>`;
        return parse(`<iq type='result' from='${from}' to='push.localhost'>${body}</iq>`);
      },
    },
  } as unknown as Component;
}

async function collectWith(answerer: (asked: string) => string) {
  kit = memoryKit();
  const login = await kit.service.login('romeo-http', 'a long password');
  if (typeof login === 'string') throw new Error(login);
  await kit.service.addDevice(login.account, 'apns', { registrationId: 'ab'.repeat(32) });
  const { token } = within(await kit.service.createToken(login.account, 'for romeo'));
  const collector = createTokenCollector({
    xmpp: link(token, answerer),
    store: kit.store,
    service: kit.service,
    quotas: kit.quotas,
    relaysByJid: new Map([['push.localhost', 'local']]),
    log,
  });
  await collector.collect(CLIENT);
  return kit.store.collected.listByJid('romeo@localhost');
}

it('keeps the tokens the client it asked gives', async () => {
  expect(
    await collectWith((asked) => asked.replace('romeo@localhost', 'Romeo@LocalHost')),
  ).toHaveLength(1);
});

it('stores nothing when the answer comes from another JID than the one asked', async () => {
  expect(await collectWith(() => 'mallory@localhost/phone')).toEqual([]);
  expect(await collectWith(() => 'romeo@localhost/other')).toEqual([]);
});
