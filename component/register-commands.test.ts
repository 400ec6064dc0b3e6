import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Element } from '@xmpp/component';
import { within } from '../relay/test-kit.js';
import type { Store } from '../store/types.js';
import { adhocRoute } from './adhoc.js';
import type { IqRoute } from './iq-router.js';
import { registerCommands } from './register-commands.js';
import { createRegistrar } from './registrar.js';
import { call, log, memoryKit } from './test-kit.js';

const USER = 'romeo@localhost/phone';
const APNS_TOKEN = 'ab'.repeat(32);

function execute(node: string, fields?: Record<string, string>, extra = '') {
  const form = fields
    ? `<x xmlns='jabber:x:data' type='submit'>${Object.entries(fields)
        .map(([k, v]) => `<field var='${k}'><value>${v}</value></field>`)
        .join('')}</x>`
    : '';
  return `<command xmlns='http://jabber.org/protocol/commands' node='${node}' ${extra}>${form}</command>`;
}

function resultFields(el: Element | undefined): Record<string, string> {
  const x = el?.getChild('x', 'jabber:x:data');
  return Object.fromEntries(
    (x?.getChildren('field') ?? []).map((f) => [f.attrs.var, f.getChildText('value') ?? '']),
  );
}

describe('ad-hoc registration (p2-compatible)', () => {
  let kit: ReturnType<typeof memoryKit>;
  let store: Store;
  let route: IqRoute;

  beforeEach(() => {
    kit = memoryKit();
    store = kit.store;
    const registrar = createRegistrar({ ...kit, log });
    route = adhocRoute(
      registerCommands({
        registrar,
        apps: kit.service.apps,
        relays: ['local', 'other'],
        jid: 'push.localhost',
      }),
      store.sessions,
    ).route;
  });
  afterEach(() => store.close());

  async function registrations() {
    return store.registrations.listByJid('romeo@localhost');
  }

  it('registers with the form inside the first execute, as Conversations sends it', async () => {
    const { result } = await call(
      route,
      USER,
      execute('register-push-fcm', { token: 'fcm-token-0123456789:abc', 'android-id': 'a1b2' }),
    );
    expect(result?.attrs.status).toBe('completed');
    const fields = resultFields(result);
    expect(fields.jid).toBe('push.localhost');
    expect(fields.node).toMatch(/^[\w-]{22}$/);
    expect(fields.secret).toMatch(/^[0-9a-f]{40}$/);
    const [reg] = await registrations();
    expect(reg).toMatchObject({ jid: 'romeo@localhost', provider: 'fcm', deviceId: 'a1b2' });
    expect(reg?.secretHash).not.toContain(fields.secret);
  });

  it('runs the usual two-step flow: form first, then the submission with the session id', async () => {
    const first = await call(route, USER, execute('register-push-apns'));
    expect(first.result?.attrs.status).toBe('executing');
    const form = first.result?.getChild('x', 'jabber:x:data');
    expect(form?.attrs.type).toBe('form');
    const sessionid = first.result?.attrs.sessionid;
    const second = await call(
      route,
      USER,
      execute(
        'register-push-apns',
        { token: APNS_TOKEN, 'device-id': 'ios-1' },
        `sessionid='${sessionid}' action='complete'`,
      ),
    );
    expect(second.result?.attrs.status).toBe('completed');
    expect(await registrations()).toHaveLength(1);
  });

  it('replaces, not duplicates, when the same device registers again', async () => {
    const fields = { token: APNS_TOKEN, 'device-id': 'ios-1' };
    const a = resultFields((await call(route, USER, execute('register-push-apns', fields))).result);
    const b = resultFields((await call(route, USER, execute('register-push-apns', fields))).result);
    expect(a.node).not.toBe(b.node);
    const regs = await registrations();
    expect(regs.map((r) => r.node)).toEqual([b.node]);
  });

  it('unregisters a device', async () => {
    await call(
      route,
      USER,
      execute('register-push-apns', { token: APNS_TOKEN, 'device-id': 'ios-1' }),
    );
    const { result } = await call(
      route,
      USER,
      execute('unregister-push-apns', { 'device-id': 'ios-1' }),
    );
    expect(result?.attrs.status).toBe('completed');
    expect(await registrations()).toEqual([]);
    expect(
      await call(route, USER, execute('unregister-push-apns', { 'device-id': 'ios-1' })),
    ).toMatchObject({ error: 'item-not-found' });
  });

  it.each([
    ['a missing token', { 'device-id': 'ios-1' }],
    ['a missing device id', { token: APNS_TOKEN }],
    ['a token that is not hex', { token: 'zz'.repeat(32), 'device-id': 'ios-1' }],
    ['a device id with spaces', { token: APNS_TOKEN, 'device-id': 'a b' }],
    [
      'a muc that is not a bare room JID',
      { token: APNS_TOKEN, 'device-id': 'x', muc: 'room@conf/nick' },
    ],
  ])('refuses %s with bad-request and stores nothing', async (_what, fields) => {
    expect(await call(route, USER, execute('register-push-apns', fields))).toMatchObject({
      error: 'bad-request',
      type: 'modify',
    });
    expect(await registrations()).toEqual([]);
  });

  it('refuses requests from a server JID, unknown commands and unknown sessions', async () => {
    const fields = { token: APNS_TOKEN, 'device-id': 'ios-1' };
    expect(await call(route, 'localhost', execute('register-push-apns', fields))).toMatchObject({
      error: 'forbidden',
    });
    expect(await call(route, USER, execute('register-push-gcm', fields))).toMatchObject({
      error: 'item-not-found',
    });
    expect(
      await call(route, USER, execute('register-push-apns', fields, "sessionid='bogus'")),
    ).toMatchObject({ error: 'bad-request' });
    expect(await registrations()).toEqual([]);
  });

  it('cancels a session', async () => {
    const first = await call(route, USER, execute('register-push-apns'));
    const sessionid = first.result?.attrs.sessionid;
    const { result } = await call(
      route,
      USER,
      execute('register-push-apns', undefined, `sessionid='${sessionid}' action='cancel'`),
    );
    expect(result?.attrs.status).toBe('canceled');
    expect(await registrations()).toEqual([]);
  });

  describe('register-push-relay', () => {
    it('offers the relay names it accepts as the options of its relay field', async () => {
      const { result } = await call(route, USER, execute('register-push-relay'));
      const relay = result
        ?.getChild('x', 'jabber:x:data')
        ?.getChildren('field')
        .find((f) => f.attrs.var === 'relay');
      expect(relay?.attrs.type).toBe('list-single');
      expect(relay?.getChildren('option').map((o) => o.getChildText('value'))).toEqual([
        'local',
        'other',
      ]);
    });

    /** Alice's account-wide token, made over HTTP for her own device. */
    async function alicesToken() {
      const made = await kit.service.login('alice', 'correct horse', undefined);
      if (typeof made === 'string') throw new Error(made);
      await kit.service.addDevice(made.account, 'apns', { registrationId: 'cd'.repeat(32) });
      return within(await kit.service.createToken(made.account, 'for mallory'));
    }

    it('points a registration at a token of this relay by reference, not by keeping the token', async () => {
      const { token, record } = await alicesToken();
      const { result } = await call(
        route,
        USER,
        execute('register-push-relay', { relay: 'local', token, 'device-id': 'relay-1' }),
      );
      expect(result?.attrs.status).toBe('completed');
      const [reg] = await registrations();
      expect(reg).toMatchObject({ provider: 'relay', target: { kind: 'token', token: record.id } });
      expect(JSON.stringify(reg)).not.toContain(token);
    });

    it('MUST NOT revoke the token when its registration is replaced or removed: that is for its owner', async () => {
      const { token, record } = await alicesToken();
      const fields = { relay: 'local', token, 'device-id': 'relay-1' };
      await call(route, USER, execute('register-push-relay', fields));
      await call(route, USER, execute('register-push-relay', fields)); // replaces
      const { result } = await call(
        route,
        USER,
        execute('unregister-push-relay', { 'device-id': 'relay-1' }),
      );
      expect(result?.attrs.status).toBe('completed');
      expect(await registrations()).toEqual([]);
      expect(await kit.service.findToken(token)).toEqual(record);
      expect(await kit.tokenPush.push(token, 'jid:juliet@localhost', { priority: 'high' })).toBe(
        'queued',
      );
    });

    it('refuses a token this relay does not know, and stores nothing', async () => {
      const fields = { relay: 'local', token: 'ef'.repeat(20), 'device-id': 'relay-1' };
      expect(await call(route, USER, execute('register-push-relay', fields))).toMatchObject({
        error: 'bad-request',
        type: 'modify',
      });
      expect(await registrations()).toEqual([]);
    });

    it("keeps a remote relay's token as it is, to send it on", async () => {
      const token = '01'.repeat(20);
      await call(
        route,
        USER,
        execute('register-push-relay', { relay: 'other', token, 'device-id': 'relay-2' }),
      );
      expect(await registrations()).toMatchObject([
        { target: { kind: 'remote', relay: 'other', token } },
      ]);
    });

    it("a device id that looks like anything is just the client's device id", async () => {
      await call(
        route,
        USER,
        execute('register-push-apns', { token: APNS_TOKEN, 'device-id': 'collected:local' }),
      );
      expect(await store.collected.listByJid('romeo@localhost')).toEqual([]);
      expect(await registrations()).toMatchObject([{ deviceId: 'collected:local' }]);
    });
  });
});
