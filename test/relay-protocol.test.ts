// Clients speaking urn:xmpp:push-relay:0 through a real Prosody and our component: tokens handed
// only to trusted contacts, pushes through them, revocation, and the component collecting tokens.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEjabberd } from '../harness/servers/ejabberd.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import { xml } from '../harness/servers/xmpp-client.js';
import { pushRelay, type Token } from '../relay-client/xmpp.js';
import { formValues, startWorld, type World } from './world.js';

const RELAY = 'push.localhost';
const HEX40 = /^[0-9a-f]{40}$/;
const bare = (jid: string) => jid.split('/')[0];

async function until(what: string, done: () => boolean | Promise<boolean>, ms = 5000) {
  for (const end = Date.now() + ms; !(await done()); await sleep(25)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

const servers: Array<[string, () => Promise<XmppServer>]> = [
  ['Prosody', () => startProsody({ componentSecret: 'component-secret' })],
  ['ejabberd', () => startEjabberd({ componentSecret: 'component-secret' })],
];

describe.each(servers)('relay protocol between clients through %s', (_name, startServer) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      users: ['romeo', 'juliet', 'tybalt', 'mercutio', 'nurse', 'paris'],
      server: startServer,
    });
  });
  afterAll(() => w?.stop());

  /** Who asked romeo's client for tokens, in order; `push.localhost` is trusted once relayTrusted. */
  const asked: string[] = [];
  let relayTrusted = false;
  const deviceToken = '5b'.repeat(32);
  const collected = () => w.stack.running.store.collected.listByJid('romeo@localhost');
  const tokenId = async (token: string) => (await w.stack.running.service.findToken(token))?.id;

  async function romeoAndJuliet() {
    const romeo = await w.connect('romeo');
    const romeoRelay = pushRelay(romeo.xmpp, {
      relay: RELAY,
      trust: (from) => {
        asked.push(from);
        return bare(from) === 'juliet@localhost' || (relayTrusted && from === RELAY);
      },
    });
    const juliet = await w.connect('juliet');
    const julietRelay = pushRelay(juliet.xmpp, { relay: RELAY, trust: () => false });
    return { romeo, romeoRelay, juliet, julietRelay };
  }
  let clients: Awaited<ReturnType<typeof romeoAndJuliet>>;

  it('hands romeo’s token to juliet, who pushes his phone through the relay', async () => {
    clients = await romeoAndJuliet();
    const { romeo, julietRelay } = clients;
    await romeo.executeCommand(RELAY, 'register-push-apns', {
      token: deviceToken,
      'device-id': 'romeo-phone',
    });
    // The plugin's presence and the registration make the component ask romeo's client; it is
    // not trusted yet.
    await until('the component asking romeo for tokens', () => asked.includes(RELAY));

    expect(await julietRelay.supports(romeo.jid)).toBe(true);
    const tokens = await julietRelay.requestTokens(romeo.jid);
    expect(tokens).toEqual([
      { token: expect.stringMatching(HEX40), relay: RELAY, expires: expect.any(String) },
    ]);
    expect(Date.parse(tokens[0]?.expires ?? '')).toBeGreaterThan(Date.now() + 86_400_000);

    expect(await julietRelay.push(tokens, { data: 'hi' })).toEqual({
      pushed: true,
      remaining: tokens,
    });
    const [sent] = await w.apns.waitFor((r) => r.deviceToken === deviceToken);
    expect(sent?.payload).toMatchObject({ data: 'hi' });
    // The same token, from romeo's cache, on a second request.
    expect(await julietRelay.requestTokens(romeo.jid)).toEqual(tokens);
  });

  it('lets a holder register romeo’s token; MUST NOT revoke the token, and MUST NOT show the registrant the devices behind a token that was not issued to the registrant', async () => {
    const { romeo, juliet, julietRelay } = clients;
    const [token] = await julietRelay.requestTokens(romeo.jid);
    const fields = { relay: 'local', token: token?.token ?? '', 'device-id': 'from-romeo' };
    const registered = await juliet.executeCommand(RELAY, 'register-push-relay', fields);
    expect(formValues(registered).node).toBeTruthy();
    // Her registration says nothing of romeo's devices.
    const explained = formValues(await juliet.executeCommand(RELAY, 'explain'));
    expect(explained.summary).toMatch(/its devices are its owner's to see/);
    expect(explained.summary).not.toMatch(/APNs|delivered|working/);
    // Replacing and removing her registration leaves romeo's token working.
    await juliet.executeCommand(RELAY, 'register-push-relay', fields);
    const removed = await juliet.executeCommand(RELAY, 'unregister-push-relay', {
      'device-id': 'from-romeo',
    });
    expect(formValues(removed).removed).toBe('1');
    const before = w.apns.requests.length;
    expect(await julietRelay.push([token as Token], { data: 'still mine' })).toMatchObject({
      pushed: true,
    });
    const [sent] = (await w.apns.waitFor(before + 1)).slice(before);
    expect(sent?.payload).toMatchObject({ data: 'still mine' });
  });

  it('MUST NOT hand out tokens to entities it does not trust; answers item-not-found without a device', async () => {
    const { romeo, julietRelay } = clients;
    const tybalt = await w.connect('tybalt');
    const tybaltRelay = pushRelay(tybalt.xmpp, { relay: RELAY, trust: () => true });
    await expect(tybaltRelay.requestTokens(romeo.jid)).rejects.toMatchObject({
      name: 'RelayStanzaError',
      condition: 'forbidden',
      type: 'auth',
    });
    expect(asked).toContain(tybalt.jid);
    // tybalt trusts everyone but has no device: his relay says item-not-found, so does he.
    expect(await julietRelay.requestTokens(tybalt.jid)).toEqual([]);
    await expect(tybaltRelay.issue()).rejects.toMatchObject({ condition: 'item-not-found' });
    // A client without the plugin answers disco#info with service-unavailable.
    const mercutio = await w.connect('mercutio');
    expect(await julietRelay.supports(mercutio.jid)).toBe(false);
    expect(await julietRelay.requestTokens(mercutio.jid)).toEqual([]);
  });

  it('skips a token whose relay cannot be reached and keeps it', async () => {
    const { romeo, julietRelay } = clients;
    const [token] = await julietRelay.requestTokens(romeo.jid);
    const nowhere: Token = { token: 'ab'.repeat(20), relay: 'nowhere.localhost' };
    const tokens = [nowhere, token as Token];
    expect(await julietRelay.push([nowhere])).toEqual({
      pushed: false,
      remaining: [nowhere],
      // s2s is off: Prosody answers remote-server-not-found, ejabberd forbidden.
      error: expect.objectContaining({ name: 'RelayStanzaError' }),
    });
    const before = w.apns.requests.length;
    expect(await julietRelay.push(tokens, { priority: 'low' })).toEqual({
      pushed: true,
      remaining: tokens,
    });
    await w.apns.waitFor(before + 1);
  });

  it('stops at a wait error and keeps the tokens not yet known dead', async () => {
    const tybalt = await w.connect('tybalt');
    const tybaltRelay = pushRelay(tybalt.xmpp, { relay: RELAY, trust: () => false });
    // Unknown tokens: each is dropped, until the relay's per-sender limit (30 a minute) says wait.
    const tokens = Array.from(
      { length: 35 },
      (_, i): Token => ({
        token: i.toString(16).padStart(40, 'c'),
        relay: RELAY,
      }),
    );
    const result = await tybaltRelay.push(tokens);
    expect(result).toMatchObject({
      pushed: false,
      error: { name: 'RelayStanzaError', condition: 'resource-constraint', type: 'wait' },
    });
    expect(result.remaining.length).toBeGreaterThan(0);
    expect(result.remaining).toEqual(tokens.slice(tokens.length - result.remaining.length));
    expect(result.error?.message).not.toMatch(/[0-9a-f]{40}/);
  });

  it('lets the component collect romeo’s tokens when he sends it presence', async () => {
    const { romeo, julietRelay } = clients;
    expect(await collected()).toEqual([]);
    relayTrusted = true;
    const askedBefore = asked.filter((f) => f === RELAY).length;
    await romeo.xmpp.send(xml('presence', { to: RELAY }));
    await until('the component storing romeo’s token', async () => (await collected()).length > 0);
    expect(asked.filter((f) => f === RELAY).length).toBe(askedBefore + 1);
    // The component got a token of its own, not juliet's: each requester has one.
    const { romeoRelay } = clients;
    const issued = await romeoRelay.list();
    const forComponent = issued.find((t) => t.name === RELAY);
    expect(forComponent).toBeDefined();
    expect((await collected()).map((c) => c.target)).toEqual([
      { kind: 'token', token: forComponent?.id },
    ]);
    const [julietsToken] = await julietRelay.requestTokens(romeo.jid);
    expect(issued.find((t) => t.name === 'juliet@localhost')?.id).toBe(
      await tokenId(julietsToken?.token ?? ''),
    );
  });

  it('gives each requester a token of its own, so revoking one cuts off that requester alone', async () => {
    const { romeo, romeoRelay, julietRelay } = clients;
    const [julietsToken] = await julietRelay.requestTokens(romeo.jid);
    const componentToken = (await romeoRelay.list()).find((t) => t.name === RELAY);
    await romeoRelay.revoke({ id: componentToken?.id ?? '' });
    expect(await collected()).toEqual([]);
    expect(await julietRelay.push([julietsToken as Token], { data: 'still juliet' })).toMatchObject(
      {
        pushed: true,
      },
    );
    expect((await romeoRelay.list()).map((t) => t.name)).not.toContain(RELAY);
  });

  it('pushes over HTTP through a token’s api, and drops it once revoked', async () => {
    const { romeo, romeoRelay, julietRelay } = clients;
    const [token] = await julietRelay.requestTokens(romeo.jid);
    const tokens = [{ ...(token as Token), api: w.stack.httpUrl }];
    const before = w.apns.requests.length;
    expect(await julietRelay.push(tokens, { via: 'http', data: 'by http' })).toEqual({
      pushed: true,
      remaining: tokens,
    });
    const [sent] = (await w.apns.waitFor(before + 1)).slice(before);
    expect(sent?.payload).toMatchObject({ data: 'by http' });

    await romeoRelay.revoke(token as Token);
    expect(await julietRelay.push(tokens, { via: 'http' })).toEqual({
      pushed: false,
      remaining: [],
    });
    expect(await julietRelay.push([token as Token], { data: 'hi' })).toEqual({
      pushed: false,
      remaining: [],
    });
    await expect(romeoRelay.revoke(token as Token)).rejects.toMatchObject({
      condition: 'item-not-found',
    });
    // romeo hands out a fresh token now.
    const [fresh] = await julietRelay.requestTokens(romeo.jid);
    expect(fresh?.token).toMatch(HEX40);
    expect(fresh?.token).not.toBe(token?.token);
  });

  it('MUST ignore tokens of any other relay than itself and the relays in its configuration, and MUST NOT contact a URL found in a stanza', async () => {
    // A trap for any request the component might make to a URL a client named.
    const trapped: string[] = [];
    const trap = createServer((req, res) => {
      trapped.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const api = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/`;
    try {
      const mercutio = await w.connect('mercutio');
      let own: string | undefined;
      mercutio.xmpp.iqCallee.get('http://jabber.org/protocol/disco#info', 'query', () =>
        xml(
          'query',
          { xmlns: 'http://jabber.org/protocol/disco#info' },
          xml('feature', { var: 'urn:xmpp:push-relay:0' }),
        ),
      );
      mercutio.xmpp.iqCallee.get('urn:xmpp:push-relay:0', 'tokens', () =>
        xml(
          'tokens',
          { xmlns: 'urn:xmpp:push-relay:0' },
          xml('token', { relay: 'elsewhere.example', api }, 'cd'.repeat(20)),
          ...(own ? [xml('token', { relay: RELAY, api }, own)] : []),
        ),
      );
      await mercutio.executeCommand(RELAY, 'register-push-apns', {
        token: '6c'.repeat(32),
        'device-id': 'mercutio-phone',
      });
      const [issued] = await pushRelay(mercutio.xmpp, { relay: RELAY, trust: () => false }).issue();
      own = issued?.token;
      await mercutio.xmpp.send(xml('presence', { to: RELAY }));
      const store = w.stack.running.store;
      await until(
        'the component keeping mercutio’s own token',
        async () => (await store.collected.listByJid('mercutio@localhost')).length > 0,
      );
      expect(await store.collected.listByJid('mercutio@localhost')).toEqual([
        {
          jid: 'mercutio@localhost',
          target: { kind: 'token', token: await tokenId(own ?? '') },
          createdAt: expect.any(Number),
        },
      ]);
      await sleep(200);
      expect(trapped).toEqual([]);
    } finally {
      await new Promise((r) => trap.close(r));
    }
  });

  it('sends presence to the relay component after login, so the component can ask for tokens', async () => {
    const tybalt = await w.connect('tybalt');
    const askedBy: string[] = [];
    pushRelay(tybalt.xmpp, {
      relay: RELAY,
      trust: (from) => {
        askedBy.push(from);
        return false;
      },
    });
    await until('the component asking for tokens', () => askedBy.includes(RELAY));
  });

  it('trusts by default the own relay and the contacts whose subscription is from or both', async () => {
    const nurse = await w.connect('nurse');
    const paris = await w.connect('paris');
    const tybalt = await w.connect('tybalt');
    await nurse.executeCommand(RELAY, 'register-push-apns', {
      token: '7d'.repeat(32),
      'device-id': 'nurse-phone',
    });
    pushRelay(nurse.xmpp, { relay: RELAY });
    // Paris asks to see the nurse's presence and she allows it: her roster says "from".
    await paris.xmpp.send(xml('presence', { type: 'subscribe', to: 'nurse@localhost' }));
    await sleep(200);
    await nurse.xmpp.send(xml('presence', { type: 'subscribed', to: 'paris@localhost' }));
    const rosterGet = () =>
      nurse.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await until('paris in the nurse’s roster with subscription from', async () => {
      const items = (await rosterGet()).getChild('query')?.getChildren('item') ?? [];
      return items.some(
        (i) => i.attrs.jid === 'paris@localhost' && i.attrs.subscription === 'from',
      );
    });
    const parisRelay = pushRelay(paris.xmpp, { relay: RELAY, trust: () => false });
    expect(await parisRelay.requestTokens(nurse.jid)).toEqual([
      expect.objectContaining({ token: expect.stringMatching(HEX40), relay: RELAY }),
    ]);
    const tybaltRelay = pushRelay(tybalt.xmpp, { relay: RELAY, trust: () => false });
    await expect(tybaltRelay.requestTokens(nurse.jid)).rejects.toMatchObject({
      condition: 'forbidden',
    });
    // The relay component is trusted too: it collects a token of its own.
    await until(
      'the component keeping the nurse’s token',
      async () => (await w.stack.running.store.collected.listByJid('nurse@localhost')).length > 0,
    );
  });
});
