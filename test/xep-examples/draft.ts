// The examples of xep-draft/push-relay.xml as data: stanzas (parsed with ltx, each checked
// well-formed on its own by xmllint) or HTTP request/response pairs, and the draft's XML Schema.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Element } from '@xmpp/xml';
import { expandDraft, type Specs } from '../../xep-draft/render.js';

const parseXml = createRequire(import.meta.url)('ltx').parse as (xml: string) => Element;

export interface HttpMessage {
  /** `POST /api/v1/messages/ HTTP/1.1` or `HTTP/1.1 202 Accepted`. */
  startLine: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** The JSON body, parsed. */
  body: unknown;
}

export interface Example {
  /** 1-based, in document order. */
  number: number;
  caption: string;
  /** The CDATA text as written. */
  text: string;
  /** XML examples: the top-level stanzas, request first, then its answer. */
  stanzas: Element[];
  /** HTTP examples. */
  http?: { request: HttpMessage; response: HttpMessage };
}

function* descendants(el: Element): Generator<Element> {
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    yield c;
    yield* descendants(c);
  }
}

/** Throws with xmllint's message when `text` is not a well-formed XML document. */
export function checkWellFormed(text: string, what: string): void {
  try {
    execFileSync('xmllint', ['--nonet', '--noout', '-'], { input: text, stdio: 'pipe' });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`${what} is not well-formed XML:\n${stderr || (err as Error).message}`);
  }
}

function parseHttpMessage(text: string): HttpMessage {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const blank = lines.indexOf('');
  const head = blank === -1 ? lines : lines.slice(0, blank);
  const [startLine = '', ...headerLines] = head;
  const headers: Record<string, string> = {};
  for (const h of headerLines) {
    const i = h.indexOf(':');
    if (i <= 0) throw new Error(`not an HTTP header: ${h}`);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const bodyText =
    blank === -1
      ? ''
      : lines
          .slice(blank + 1)
          .join('\n')
          .trim();
  return { startLine, headers, body: bodyText ? JSON.parse(bodyText) : undefined };
}

const isHttp = (text: string) => /^([A-Z]+ \S+ HTTP\/1\.1|HTTP\/1\.1 \d{3})/.test(text);

function parseExample(number: number, caption: string, text: string): Example {
  const body = text.trim();
  if (isHttp(body)) {
    const [request, response, ...rest] = body.split(/\n(?=HTTP\/1\.1 \d{3})/);
    if (!request || !response || rest.length > 0) {
      throw new Error(`"${caption}": expected one HTTP request and one response`);
    }
    return {
      number,
      caption,
      text,
      stanzas: [],
      http: { request: parseHttpMessage(request), response: parseHttpMessage(response) },
    };
  }
  // Each stanza must be well-formed on its own (they are separated by blank lines) …
  const chunks = body.split(/\n[ \t]*\n/);
  for (const [i, c] of chunks.entries()) checkWellFormed(c, `"${caption}", stanza ${i + 1}`);
  // … and together they are the children of a dummy root.
  const root = parseXml(`<r xmlns:stream='http://etherx.jabber.org/streams'>${body}</r>`);
  const stanzas = root.getChildElements();
  if (stanzas.length !== chunks.length) {
    throw new Error(
      `"${caption}": ${chunks.length} blank-line separated parts but ${stanzas.length} stanzas`,
    );
  }
  for (const s of stanzas) s.parent = null;
  return { number, caption, text, stanzas };
}

export interface RawExample {
  number: number;
  caption: string;
  text: string;
}

/**
 * Every `<example/>` of the draft in document order, and the text of its XML Schema section.
 * The examples are parsed by `parse` (a broken one must fail its own test, not the file).
 */
export function readDraft(
  file: string,
  specs: Specs,
): { examples: RawExample[]; schema: string; parse: (ex: RawExample) => Example } {
  const doc = parseXml(expandDraft(file, specs));
  const all = [...descendants(doc)];
  const examples = all
    .filter((e) => e.name === 'example')
    .map((e, i) => ({
      number: i + 1,
      caption: e.attrs.caption ?? `example ${i + 1}`,
      text: e.getText(),
    }));
  const schemaSection = all.find((e) => e.name === 'section1' && e.attrs.anchor === 'schema');
  const schema = schemaSection?.getChild('code')?.getText().trim();
  if (!schema?.includes('<xs:schema')) throw new Error('the draft has no XML Schema section');
  return {
    examples,
    schema,
    parse: (ex) => parseExample(ex.number, ex.caption, ex.text),
  };
}

/** A deep copy of `el`, without its parent. */
export const cloneElement = (el: Element): Element => parseXml(el.toString());

/** Namespace of `el` given the namespace in scope at its parent. */
export const nsOf = (el: Element, inherited: string | undefined) => el.attrs.xmlns ?? inherited;

/** The outermost elements of namespace `ns` in `stanza`, each with its xmlns set. */
export function elementsOf(stanza: Element, ns: string): Element[] {
  const found: Element[] = [];
  const walk = (el: Element, inherited: string | undefined) => {
    const mine = nsOf(el, inherited);
    if (mine === ns) {
      found.push(el);
      return;
    }
    for (const c of el.getChildElements()) walk(c, mine);
  };
  walk(stanza, 'jabber:client');
  return found;
}

/** Validates `el` (serialized on its own) against the schema file; xmllint's complaint or undefined. */
export function schemaProblem(xsd: string, el: Element, ns: string): string | undefined {
  const text = el
    .toString()
    .replace(/^<([^\s/>]+)/, (m, name: string) => (el.attrs.xmlns ? m : `<${name} xmlns='${ns}'`));
  try {
    execFileSync('xmllint', ['--nonet', '--noout', '--schema', xsd, '-'], {
      input: text,
      stdio: 'pipe',
    });
    return undefined;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return String(e.stderr ?? '').trim() || e.message;
  }
}

export type { Element };
