// The draft's examples (xep-draft/push-relay.xml) against the code: every <example/> is taken
// from the draft, each stanza checked well-formed and its urn:xmpp:push-relay:0 payloads checked
// against the draft's own schema, and each request replayed against a running component (real
// Prosody, our process) or the relay's HTTP API. The real answer must have the example's shape;
// a test per example, named by its caption, fails with the first difference in words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { xml as componentXml } from '@xmpp/component';
import { pino } from 'pino';
import { runRoute } from '../component/iq-router.js';
import { NS_RELAY, NS_STANZAS } from '../component/ns.js';
import { publishRoute } from '../component/publish.js';
import { StanzaError } from '../component/stanza-error.js';
import { type TestClient, xml } from '../harness/servers/xmpp-client.js';
import { pushRelay } from '../relay-client/xmpp.js';
import { describeSpecs, findRepoRoot, findSpecs } from '../xep-draft/render.js';
import { startWorld, type World } from './world.js';
import {
  cloneElement,
  type Element,
  type Example,
  elementsOf,
  type HttpMessage,
  readDraft,
  schemaProblem,
} from './xep-examples/draft.js';
import { type Literal, Literals, type ShapeRules, shapeDiff } from './xep-examples/shape.js';

const ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
// Our schema always; the XSF's DTD too when XEPS_DIR names its folder (the first test says which).
const specs = findSpecs(ROOT);
const draft = readDraft(join(ROOT, 'xep-draft/push-relay.xml'), specs);

const RELAY = 'push.localhost';
const DOMAIN = 'localhost';
const NS_CAPS = 'http://jabber.org/protocol/caps';

const isToken = (v: string) => /^[0-9a-f]{40}$/i.test(v);
const nonEmpty = (v: string) => v.length > 0;
const isDateTime = (v: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
  Date.parse(v) > Date.now();
const isHttpUrl = (v: string) => /^https?:\/\/[^\s/]+\/?/.test(v);
const isPastDateTime = (v: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) && Date.parse(v) <= Date.now();

let w: World;
let romeo: TestClient;
let juliet: TestClient;

/**
 * The draft's literal values (xep-draft/README.md) → the running world's. Values the code
 * chooses are checked by form; the token, node and secret of the first answer that shows them
 * (issue1, register1) are what later requests send. The unknown token ffff…, Romeo's APNs device
 * token a1… and the ids other than these are used as they are (ids are made unique per run).
 */
const literals = new Literals(
  new Map<string, Literal>([
    ['romeo@example.org/phone', { real: () => romeo?.jid }],
    ['juliet@example.net/balcony', { real: () => juliet?.jid }],
    ['push.example.org', { real: () => RELAY }],
    ['example.org', { real: () => DOMAIN }],
    ['example.net', { real: () => DOMAIN }],
    [
      '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
      { valid: isToken, what: 'a whitelist token', capture: true },
    ],
    ['yxs32uqsflafdk3iuqo', { valid: nonEmpty, what: 'a node', capture: true }],
    ['eruio234vzxc2kla-91', { valid: nonEmpty, what: 'a secret', capture: true }],
    ['7f3c9a2be41d5c08a6e2f913', { valid: nonEmpty, what: 'a session id' }],
    ['2026-12-26T08:00:00.000Z', { valid: isDateTime, what: 'a future XEP-0082 DateTime' }],
    ['https://push.example.org/', { valid: isHttpUrl, what: "the relay's HTTP base URL" }],
    ['1021', { valid: (v) => /^\d{1,18}$/.test(v), what: "a token's id", capture: true }],
    ['2026-11-26T08:00:00.000Z', { valid: isPastDateTime, what: 'a past XEP-0082 DateTime' }],
  ]),
);

/**
 * The draft: `api` is optional ("which a relay includes when it has one") and may be added. The
 * test world's relay has none: startWorld writes [http] itself, so public_url cannot be set.
 */
const RULES: ShapeRules = {
  optional: new Set(['token@api']),
  extra: new Set(['token@api']),
};

/** Who sends a request the draft shows from a user's client. */
const clientOf = (jid: string | undefined): TestClient | undefined =>
  jid === 'romeo@example.org/phone'
    ? romeo
    : jid === 'juliet@example.net/balcony'
      ? juliet
      : undefined;

let ids = 0;
/** The request with real values, a fresh id and no `from` (the server stamps it). */
function realRequest(request: Element, keepFrom = false): Element {
  const real = literals.toRealElement(cloneElement(request));
  if (!keepFrom) delete real.attrs.from;
  if (real.attrs.id) real.attrs.id = `${real.attrs.id}-${++ids}-${Date.now().toString(36)}`;
  return real;
}

/** Sends an IQ request and resolves with the answer (result or error) as the client got it. */
function exchange(client: TestClient, iq: Element, timeoutMs = 10_000): Promise<Element> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      client.xmpp.off('stanza', onStanza);
    };
    const onStanza = (s: Element) => {
      if (s.name !== 'iq' || s.attrs.id !== iq.attrs.id) return;
      if (s.attrs.type !== 'result' && s.attrs.type !== 'error') return;
      done();
      resolve(s);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no answer to ${iq.toString()} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.xmpp.on('stanza', onStanza);
    client.xmpp.send(iq).catch((err: Error) => {
      done();
      reject(err);
    });
  });
}

async function until<T>(what: string, find: () => T | undefined, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 25))) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

function fail(ex: Example, what: string): never {
  throw new Error(`"${ex.caption}": ${what}`);
}

function expectShape(ex: Example, what: string, expected: Element, actual: Element): void {
  const diff = shapeDiff(expected, actual, literals, RULES);
  if (diff) fail(ex, `${what}: ${diff}\n  got: ${actual.toString()}`);
}

/** The payload's name and namespace, e.g. `query http://jabber.org/protocol/disco#info`. */
const payloadOf = (iq: Element) => {
  const [child] = iq.getChildElements();
  return child && `${child.name} ${child.attrs.xmlns}`;
};

// What the component asks romeo's client, and what it gets back (examples 15 and 16).
const askedRomeo: Element[] = [];
const componentGot = new Map<string, Element>();
/** askedRomeo.length when romeo sent presence to the component (example 14). */
let presenceMark: number | undefined;
/** Whether romeo's client hands its tokens to the component; see the presence example. */
let relayTrusted = false;

async function replayPresence(ex: Example, presence: Element): Promise<void> {
  const client = clientOf(presence.attrs.from) ?? fail(ex, 'no client sends this presence');
  // Registering (register1) already made the component ask romeo's client for tokens, as the
  // draft says; had they been given then, the component would hold fresh tokens and not ask
  // again here. So romeo's client trusts the component from this presence on.
  // Wait for the component's requests of that time to be answered, so that they are not taken
  // for the ones this presence causes.
  await until(
    'the answers to the component’s earlier requests',
    () => askedRomeo.every((iq) => componentGot.has(iq.attrs.id ?? '')) || undefined,
  );
  relayTrusted = true;
  presenceMark = askedRomeo.length;
  await client.xmpp.send(realRequest(presence));
}

/** A request of the component to romeo's client: observed, not sent (after the presence). */
async function replayObserved(ex: Example, request: Element, answer: Element): Promise<void> {
  const mark = presenceMark ?? fail(ex, 'the presence example has not run');
  const want = payloadOf(request);
  const asked = await until(`the component sending a ${want} request to romeo`, () =>
    askedRomeo.slice(mark).find((iq) => payloadOf(iq) === want),
  );
  expectShape(ex, "the component's request", request, asked);
  const id = asked.attrs.id ?? '';
  const got = await until(`romeo's answer to ${id}`, () => componentGot.get(id));
  expectShape(ex, "the answer of romeo's client", answer, got);
}

/**
 * A XEP-0357 publish comes from the user's server (from='example.org' → 'localhost'). No client
 * can send a stanza as the server itself, and Prosody's own publishes give us no view of the
 * answer, so the request goes to the component's publish route directly, with the store and
 * the local relay of the running process, and its reply is built as the IQ callee would.
 */
async function replayPublish(ex: Example, request: Element, answer: Element): Promise<void> {
  const stanza = realRequest(request, true);
  const element = stanza.getChildElements()[0] ?? fail(ex, 'a publish without payload');
  const { relay } = w.stack.running;
  const route = publishRoute({
    store: w.stack.running.store,
    targets: relay.targets,
    service: relay.service,
    tokenPush: relay.tokenPush,
    perToken: relay.limits.perToken,
    push: { includeSender: false, includeBody: false, priority: 'high' },
    log: pino({ level: 'silent' }),
  });
  const reply = await runRoute(route, stanza, element, {
    log: pino({ level: 'silent' }),
    maxStanzaBytes: 65536,
  });
  const head = { from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id };
  const got =
    reply instanceof StanzaError
      ? componentXml('iq', { ...head, type: 'error' }, reply.toElement())
      : componentXml('iq', { ...head, type: 'result' }, reply);
  expectShape(ex, "the component's answer", answer, got);
}

async function replayIq(ex: Example, request: Element, answer: Element | undefined) {
  if (!answer) fail(ex, 'an IQ request without its answer');
  const from = request.attrs.from;
  if (from === 'push.example.org') return replayObserved(ex, request, answer);
  if (from === 'example.org') return replayPublish(ex, request, answer);
  const client = clientOf(from) ?? fail(ex, `no client for from='${from}'`);
  const got = await exchange(client, realRequest(request));
  expectShape(ex, 'the answer', answer, got);
}

/** Strings of a JSON value through the literal table (for requests). */
const realJson = (v: unknown): unknown =>
  typeof v === 'string'
    ? literals.toReal(v)
    : Array.isArray(v)
      ? v.map(realJson)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, realJson(x)]))
        : v;

function jsonDiff(exp: unknown, act: unknown, path = 'body'): string | undefined {
  if (typeof exp === 'string') {
    if (typeof act !== 'string') return `${path}: expected a string got ${JSON.stringify(act)}`;
    const problem = literals.check(exp, act);
    return problem && `${path}: ${problem}`;
  }
  if (exp && typeof exp === 'object' && !Array.isArray(exp)) {
    if (!act || typeof act !== 'object' || Array.isArray(act)) {
      return `${path}: expected an object got ${JSON.stringify(act)}`;
    }
    const e = Object.keys(exp).sort();
    const a = Object.keys(act).sort();
    if (e.join() !== a.join()) return `${path}: expected keys [${e}] got [${a}]`;
    for (const k of e) {
      const d = jsonDiff(
        (exp as Record<string, unknown>)[k],
        (act as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
    return undefined;
  }
  return JSON.stringify(exp) === JSON.stringify(act)
    ? undefined
    : `${path}: expected ${JSON.stringify(exp)} got ${JSON.stringify(act)}`;
}

const mediaType = (v: string | null | undefined) => (v ?? '').toLowerCase().replace(/\s+/g, '');

async function replayHttp(ex: Example, request: HttpMessage, response: HttpMessage) {
  const [method, path] = request.startLine.split(' ');
  const res = await fetch(new URL(path ?? '/', w.stack.httpUrl), {
    method,
    headers: request.headers['content-type']
      ? { 'content-type': request.headers['content-type'] }
      : {},
    body: request.body === undefined ? undefined : JSON.stringify(realJson(request.body)),
  });
  const text = await res.text();
  const status = Number(response.startLine.split(' ')[1]);
  if (res.status !== status) fail(ex, `expected status ${status} got ${res.status}: ${text}`);
  const type = response.headers['content-type'];
  if (type && mediaType(type) !== mediaType(res.headers.get('content-type'))) {
    fail(ex, `expected Content-Type ${type} got ${res.headers.get('content-type')}`);
  }
  if (response.body !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail(ex, `expected a JSON body got ${text}`);
    }
    const diff = jsonDiff(response.body, body);
    if (diff) fail(ex, diff);
  }
}

/** Requests the draft answers with bad-request: their payloads must fail the draft's schema. */
const answeredBadRequest = (answer: Element | undefined) =>
  answer?.attrs.type === 'error' &&
  answer.getChild('error')?.getChild('bad-request', NS_STANZAS) !== undefined;

function checkSchema(ex: Example, xsd: string): void {
  const [request, answer] = ex.stanzas;
  for (const stanza of ex.stanzas) {
    const invalidOnPurpose = stanza === request && answeredBadRequest(answer);
    for (const el of elementsOf(stanza, NS_RELAY)) {
      const problem = schemaProblem(xsd, el, NS_RELAY);
      if (invalidOnPurpose && !problem) {
        fail(
          ex,
          `the draft refuses this request with bad-request, yet its <${el.name}/> is valid
          under the draft's schema: ${el.toString()}`,
        );
      }
      if (!invalidOnPurpose && problem) {
        fail(ex, `<${el.name}/> does not match the draft's schema:\n${problem}`);
      }
    }
  }
}

describe('the examples of the XEP draft', () => {
  let dir: string;
  let xsd: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xep-examples-'));
    xsd = join(dir, 'push-relay.xsd');
    writeFileSync(xsd, draft.schema);
    w = await startWorld({ users: ['romeo', 'juliet'] });
    romeo = await w.connect('romeo');
    juliet = await w.connect('juliet');
    const bare = (jid: string) => jid.split('/')[0];
    // Romeo's client speaks the protocol: it answers disco#info (as "Example Phone Client", with
    // caps, as in the draft) and hands tokens to Juliet and to his relay component.
    pushRelay(romeo.xmpp, {
      relay: RELAY,
      trust: (from) => bare(from) === bare(juliet.jid) || (from === RELAY && relayTrusted),
      identity: { category: 'client', type: 'phone', name: 'Example Phone Client' },
      extraFeatures: [NS_CAPS],
    });
    romeo.xmpp.on('stanza', (s: Element) => {
      const ask = s.name === 'iq' && (s.attrs.type === 'get' || s.attrs.type === 'set');
      if (ask && s.attrs.from === RELAY) askedRomeo.push(s);
    });
    w.stack.component?.xmpp.on('stanza', (s: Element) => {
      const answer = s.name === 'iq' && (s.attrs.type === 'result' || s.attrs.type === 'error');
      if (answer && s.attrs.from === romeo.jid && s.attrs.id) componentGot.set(s.attrs.id, s);
    });
  });
  afterAll(async () => {
    await w?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`finds the examples, with unique IQ ids, and a schema that xmllint accepts, in the draft (checked: ${describeSpecs(specs)})`, () => {
    expect(draft.examples.length).toBeGreaterThan(0);
    const seen = new Map<string, string>();
    for (const raw of draft.examples) {
      let stanzas: Element[] = [];
      try {
        stanzas = draft.parse(raw).stanzas;
      } catch {
        continue; // fails in the example's own test
      }
      // The README: ids are unique in the whole document (answers repeat their request's).
      for (const s of stanzas.filter((s) => s.name === 'iq' && s.attrs.id)) {
        if (!['get', 'set'].includes(s.attrs.type ?? '')) continue;
        const id = s.attrs.id as string;
        const other = seen.get(id);
        if (other) throw new Error(`"${raw.caption}" uses the id '${id}' of "${other}"`);
        seen.set(id, raw.caption);
      }
    }
    expect(schemaProblem(xsd, xml('tokens', { xmlns: NS_RELAY }), NS_RELAY)).toBeUndefined();
  });

  // In document order: later examples use what earlier ones produced (the token of issue1, the
  // node and secret of register1), as the README's list of literals says.
  it.each(draft.examples.map((ex) => [ex.caption, ex] as const))('%s', async (_caption, raw) => {
    const ex = draft.parse(raw);
    checkSchema(ex, xsd);
    if (ex.http) return replayHttp(ex, ex.http.request, ex.http.response);
    const [request, answer] = ex.stanzas;
    if (!request) return fail(ex, 'no stanza');
    if (request.name === 'presence') return replayPresence(ex, request);
    if (request.name === 'iq') return replayIq(ex, request, answer);
    return fail(ex, `no way to replay a <${request.name}/>`);
  });
});
