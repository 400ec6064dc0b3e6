// The whole vertical slice against real Prosody and ejabberd: ad-hoc registration, XEP-0357
// enable, offline/hibernated user, publish, and delivery to fake APNs/FCM over their real wire
// protocols.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseConfig } from '../app/config.js';
import { startEjabberd } from '../harness/servers/ejabberd.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import { NS_COMMANDS, NS_DATA, type TestClient, xml } from '../harness/servers/xmpp-client.js';
import { TOPIC, until } from './stack.js';
import { formValues, startWorld, type World } from './world.js';

const SECRET = 'component-secret';
/** `[component] reconnect_max_ms` by default (the stack runs with the default delays). */
const RECONNECT_MAX_MS = Number(
  parseConfig(`[component]\njid = "push.localhost"\nsecret = "s"\n`, '/', {}).component
    ?.reconnect_max_ms,
);

const servers: Array<[string, () => Promise<XmppServer>, number]> = [
  ['Prosody', () => startProsody({ componentSecret: SECRET, pushMaxErrors: 3 }), 3],
  ['ejabberd', () => startEjabberd({ componentSecret: SECRET }), 1],
];

describe.each(servers)('push through %s', (_name, startServer, errorsUntilDisabled) => {
  let w: World;
  let juliet: TestClient;
  /** Every device token and registration secret handed out, to look for in the logs. */
  const secrets: string[] = [SECRET];

  /** Registers a device over ad-hoc, enables XEP-0357 with the result, returns node/secret. */
  async function registerAndEnable(c: TestClient, provider: 'apns' | 'fcm', token: string) {
    const command = await c.executeCommand('push.localhost', `register-push-${provider}`, {
      token,
      'device-id': `dev-${token.slice(0, 8)}`,
    });
    expect(command.attrs.status).toBe('completed');
    const fields = Object.fromEntries(
      (command.getChild('x', NS_DATA)?.getChildren('field') ?? []).map((f) => [
        f.attrs.var,
        f.getChildText('value'),
      ]),
    );
    expect(fields.jid).toBe('push.localhost');
    secrets.push(token, fields.secret as string);
    await c.enablePush({ jid: 'push.localhost', node: fields.node, secret: fields.secret });
    return { node: fields.node as string, secret: fields.secret as string };
  }

  const link = () => {
    if (!w.stack.component) throw new Error('no component');
    return w.stack.component;
  };

  /** The relay's record of the device behind a registration node. */
  async function deviceOf(node: string) {
    const { store } = w.stack.running;
    const target = (await store.registrations.get(node))?.target;
    return target?.kind === 'device' ? store.devices.get(target.device) : undefined;
  }

  /**
   * Logs out and gives the server a moment to end the session: a message that races the
   * logout is delivered to the closing session (no push) instead of going offline.
   */
  async function goOffline(c: TestClient) {
    await c.stop();
    await new Promise((r) => setTimeout(r, 500));
  }

  async function sendFromJuliet(to: string, body: string) {
    await juliet.sendMessage(to, body);
  }

  beforeAll(async () => {
    w = await startWorld({
      users: [
        'juliet',
        'romeo',
        'mercutio',
        'benvolio',
        'tybalt',
        'paris',
        'rosaline',
        'balthasar',
      ],
      server: startServer,
    });
    juliet = await w.connect('juliet');
  });

  afterAll(() => w?.stop());

  it('answers disco#info as a push service and lists the ad-hoc commands', async () => {
    const info = await juliet.iq(
      xml(
        'iq',
        { type: 'get', to: 'push.localhost' },
        xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }),
      ),
    );
    const query = info.getChild('query');
    expect(query?.getChild('identity')?.attrs).toMatchObject({ category: 'pubsub', type: 'push' });
    const features = query?.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining(['urn:xmpp:push:0', NS_COMMANDS]));
    const items = await juliet.iq(
      xml(
        'iq',
        { type: 'get', to: 'push.localhost' },
        xml('query', { xmlns: 'http://jabber.org/protocol/disco#items', node: NS_COMMANDS }),
      ),
    );
    expect(
      items
        .getChild('query')
        ?.getChildren('item')
        .map((i) => i.attrs.node),
    ).toEqual(
      expect.arrayContaining(['register-push-apns', 'register-push-fcm', 'unregister-push-apns']),
    );
  });

  it('turns a message to an offline user into an APNs push, without content', async () => {
    const token = 'a1'.repeat(32);
    const romeo = await w.connect('romeo');
    await registerAndEnable(romeo, 'apns', token);
    await goOffline(romeo);
    await sendFromJuliet('romeo@localhost', 'Wherefore art thou, Romeo?');
    const [push] = await w.apns.waitFor((r) => r.deviceToken === token);
    expect(push?.headers['apns-topic']).toBe(TOPIC);
    expect(push?.headers['apns-push-type']).toBe('alert');
    expect(JSON.stringify(push?.payload)).not.toContain('Wherefore');
    expect(JSON.stringify(push?.payload)).not.toContain('juliet');
    // Every publish got a result: a server that had seen errors would stop publishing
    // (ejabberd after one, Prosody here after three), so these pushes would not arrive.
    for (let i = 2; i <= 4; i++) {
      await sendFromJuliet('romeo@localhost', `message ${i}`);
      await w.apns.waitFor(
        () => w.apns.requests.filter((r) => r.deviceToken === token).length >= i,
      );
    }
    expect(w.stack.publishes.slice(0, 4)).toEqual(['queued', 'queued', 'queued', 'queued']);
  });

  it('turns a message to an offline user into an FCM push', async () => {
    const token = 'fcm-mercutio-token:0123456789abcdef';
    const mercutio = await w.connect('mercutio');
    await registerAndEnable(mercutio, 'fcm', token);
    await goOffline(mercutio);
    await sendFromJuliet('mercutio@localhost', 'A plague on both your houses');
    const [push] = await w.fcm.waitFor((s) => s.deviceToken === token);
    expect(push?.message.android?.priority).toBe('high');
    expect(JSON.stringify(push?.message)).not.toContain('plague');
  });

  it('pushes for a hibernated XEP-0198 session', async () => {
    const token = 'b2'.repeat(32);
    const benvolio = await w.connect('benvolio', true);
    await registerAndEnable(benvolio, 'apns', token);
    await benvolio.hibernate();
    await sendFromJuliet('benvolio@localhost', 'Hold, fools!');
    await w.apns.waitFor((r) => r.deviceToken === token, 20_000);
  });

  it('refuses a publish sent by a user, over the wire, and sends nothing', async () => {
    const token = 'c3'.repeat(32);
    const paris = await w.connect('paris');
    const { node, secret } = await registerAndEnable(paris, 'apns', token);
    const publish = xml(
      'iq',
      { type: 'set', to: 'push.localhost' },
      xml(
        'pubsub',
        { xmlns: 'http://jabber.org/protocol/pubsub' },
        xml(
          'publish',
          { node },
          xml('item', {}, xml('notification', { xmlns: 'urn:xmpp:push:0' })),
        ),
        xml(
          'publish-options',
          {},
          xml(
            'x',
            { xmlns: NS_DATA, type: 'submit' },
            xml(
              'field',
              { var: 'FORM_TYPE' },
              xml('value', {}, 'http://jabber.org/protocol/pubsub#publish-options'),
            ),
            xml('field', { var: 'secret' }, xml('value', {}, secret)),
          ),
        ),
      ),
    );
    await expect(juliet.iq(publish)).rejects.toMatchObject({ condition: 'forbidden' });
    await new Promise((r) => setTimeout(r, 300));
    expect(w.apns.requests.filter((r) => r.deviceToken === token)).toEqual([]);
    await paris.stop();
  });

  it("pushes through another user's whitelist token, and leaves revoking it to its owner", async () => {
    const token = 'e5'.repeat(32);
    const pushes = () => w.apns.requests.filter((r) => r.deviceToken === token).length;
    const rosaline = await w.connect('rosaline');
    await registerAndEnable(rosaline, 'apns', token);
    const made = await rosaline.executeCommand('push.localhost', 'create-token', {
      name: 'for balthasar',
    });
    const whitelist = formValues(made).token ?? '';
    secrets.push(whitelist);
    const balthasar = await w.connect('balthasar');
    const fields = { relay: 'local', token: whitelist, 'device-id': 'borrowed' };
    const registered = formValues(
      await balthasar.executeCommand('push.localhost', 'register-push-relay', fields),
    );
    await balthasar.enablePush({
      jid: 'push.localhost',
      node: registered.node ?? '',
      secret: registered.secret,
    });
    await goOffline(balthasar);
    await sendFromJuliet('balthasar@localhost', 'through a borrowed token');
    await w.apns.waitFor(() => pushes() === 1);
    // Balthasar replaces, then removes his registration: rosaline's token keeps working.
    const again = await w.connect('balthasar');
    await again.executeCommand('push.localhost', 'register-push-relay', fields);
    const removed = await again.executeCommand('push.localhost', 'unregister-push-relay', {
      'device-id': 'borrowed',
    });
    expect(formValues(removed).removed).toBe('1');
    const res = await fetch(`${w.stack.httpUrl}/api/v1/messages/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: whitelist, data: 'still hers' }),
    });
    expect(res.status).toBe(202);
    const [last] = (await w.apns.waitFor(() => pushes() === 2))
      .filter((r) => r.deviceToken === token)
      .slice(-1);
    expect(last?.payload).toMatchObject({ data: 'still hers' });
    await Promise.all([rosaline.stop(), again.stop()]);
  });

  it('keeps registrations across a restart of the component', async () => {
    await w.restartStack();
    const token = 'a1'.repeat(32);
    const before = w.apns.requests.filter((r) => r.deviceToken === token).length;
    await sendFromJuliet('romeo@localhost', 'after component restart');
    await w.apns.waitFor((r) => r.deviceToken === token && w.apns.requests.indexOf(r) >= before);
    expect(w.apns.requests.filter((r) => r.deviceToken === token).length).toBeGreaterThan(before);
  });

  it('reconnects within reconnect_max_ms of the restarted XMPP server listening, and pushes resume', async () => {
    const offline = new Promise<void>((r) => link().once('offline', () => r()));
    const online = new Promise<number>((r) =>
      offline.then(() => link().once('online', () => r(Date.now()))),
    );
    await juliet.stop();
    await w.server.restart();
    // restart() returns once the server answers a stream on its component port.
    const listening = Date.now();
    await offline;
    const back = await online;
    // The default delays: 250 ms doubling up to 2 s. The old defaults (1 s, then random delays
    // up to 60 s) took 11 s against a Prosody restart.
    expect(back - listening).toBeLessThan(RECONNECT_MAX_MS + 1000);
    juliet = await w.connect('juliet');
    const token = 'a1'.repeat(32);
    const before = w.apns.requests.filter((r) => r.deviceToken === token).length;
    await sendFromJuliet('romeo@localhost', 'after server restart');
    await w.apns.waitFor(
      () => w.apns.requests.filter((r) => r.deviceToken === token).length > before,
      20_000,
    );
    expect(link().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('never writes secrets or device tokens to the log', async () => {
    const { readFileSync } = await import('node:fs');
    const logText = readFileSync(w.stack.logFile, 'utf8');
    expect(logText).toContain('registered');
    for (const s of secrets) expect(logText).not.toContain(s);
  });

  it('makes the server disable a registration whose device token is dead', async () => {
    const token = 'd4'.repeat(32);
    w.apns.setResponse(token, { status: 410, reason: 'Unregistered' });
    const tybalt = await w.connect('tybalt');
    const { node } = await registerAndEnable(tybalt, 'apns', token);
    await goOffline(tybalt);
    const before = w.stack.publishes.length;
    await sendFromJuliet('tybalt@localhost', 'first: the device answers 410');
    await w.apns.waitFor((r) => r.deviceToken === token && r.status === 410, 15_000);
    await until(async () => (await deviceOf(node))?.active === false);
    expect(await deviceOf(node)).toMatchObject({ lastError: 'Unregistered' });
    // The relay tells the server at once (XEP-0357 §8 remove access). Neither server acts on the
    // notice itself: it is stored offline and published for, and that publish is refused.
    const told = await w.stack.waitPublishes(before + 2);
    expect(told.slice(before)).toEqual(['queued', 'gone']);
    // every later publish is refused with a non-wait error until the server disables push
    for (let i = 1; i < errorsUntilDisabled; i++) {
      const seen = w.stack.publishes.length;
      await sendFromJuliet('tybalt@localhost', `refused ${i}`);
      const outcomes = await w.stack.waitPublishes(seen + 1);
      expect(outcomes.at(-1)).toBe('gone');
    }
    // our answer to the last publish travels to the server while juliet's next message does:
    // give the server a moment to read it before checking that it stopped publishing
    await new Promise((r) => setTimeout(r, 500));
    const seen = w.stack.publishes.length;
    await sendFromJuliet('tybalt@localhost', 'the server should not publish this one');
    await new Promise((r) => setTimeout(r, 2000));
    expect(w.stack.publishes.slice(seen)).toEqual([]);
    expect(w.apns.requests.filter((r) => r.deviceToken === token)).toHaveLength(1);
  });
});
