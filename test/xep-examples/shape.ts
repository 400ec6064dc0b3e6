// Comparing a real answer with a draft example's answer: element names, namespaces, the
// attributes and texts the example shows (with its literal values mapped to the real ones), and
// error conditions. Differences are reported in words, first one only.
import type { Element } from '@xmpp/xml';
import { nsOf } from './draft.js';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** What a literal of the draft stands for in the running world. */
export type Literal =
  /** A value known up front, or once an earlier example produced it. */
  | { real: () => string | undefined }
  /**
   * A value the code chooses (token, node, secret, session id, expiry): any value matching
   * `valid`; the first one seen in an answer becomes the literal's real value when `capture`.
   */
  | { valid: (v: string) => boolean; what: string; capture?: boolean };

export class Literals {
  private readonly captured = new Map<string, string>();
  constructor(private readonly table: ReadonlyMap<string, Literal>) {}

  /** The real value to send for `v` (a literal, or any other value as it is). */
  toReal(v: string): string {
    const lit = this.table.get(v);
    if (!lit) return v;
    const real = 'real' in lit ? lit.real() : this.captured.get(v);
    if (real === undefined) {
      throw new Error(`no real value for the draft's '${v}' yet (an earlier example failed?)`);
    }
    return real;
  }

  /** How `v` reads in a message: the real value when known, else the literal's description. */
  show(v: string): string {
    const lit = this.table.get(v);
    if (!lit) return v;
    if ('real' in lit) return lit.real() ?? v;
    return this.captured.get(v) ?? `<${lit.what}>`;
  }

  /** Why `actual` does not stand for the example's `expected` value, or undefined. */
  check(expected: string, actual: string): string | undefined {
    const lit = this.table.get(expected);
    if (!lit || 'real' in lit) {
      const want = this.toReal(expected);
      return want === actual ? undefined : `'${actual}' instead of '${want}'`;
    }
    if (!lit.valid(actual)) return `'${actual}', which is not ${lit.what}`;
    if (lit.capture && !this.captured.has(expected)) this.captured.set(expected, actual);
    return undefined;
  }

  /** An element tree with every literal attribute and text replaced by its real value. */
  toRealElement(el: Element): Element {
    for (const [k, v] of Object.entries(el.attrs)) {
      if (v !== undefined && k !== 'xmlns') el.attrs[k] = this.toReal(v);
    }
    // Whitespace between elements is layout; texts are compared and sent trimmed.
    el.children = el.children.flatMap((c): Array<Element | string> => {
      if (typeof c !== 'string') return [this.toRealElement(c)];
      return c.trim() ? [this.toReal(c.trim())] : [];
    });
    return el;
  }
}

export interface ShapeRules {
  /** `element@attribute` the example shows but an answer may leave out. */
  optional: ReadonlySet<string>;
  /** `element@attribute` an answer may carry although the example does not show it. */
  extra: ReadonlySet<string>;
}

/** Attributes that are XML machinery, not protocol: never compared. */
const ignoredAttr = (k: string) => k === 'xmlns' || k.startsWith('xmlns:') || k === 'xml:lang';

const elementsOf = (el: Element) => el.children.filter((c): c is Element => typeof c !== 'string');
const textOf = (el: Element) => el.getText().trim();

/** `<token relay='push.localhost'>`: an element's name and shown attributes, for messages. */
export function shapeOf(
  el: Element,
  show: (v: string) => string = (v) => v,
  hide: (k: string) => boolean = () => false,
): string {
  const attrs = Object.entries(el.attrs)
    .filter(([k, v]) => v !== undefined && !ignoredAttr(k) && !hide(k))
    .map(([k, v]) => ` ${k}='${show(v as string)}'`)
    .join('');
  return `<${el.name}${attrs}>`;
}

/**
 * The first difference between the example's `expected` element and the `actual` one, in words
 * ("expected <token relay='push.localhost'> got no <token>"), or undefined when they agree.
 * Children are matched regardless of order; `id` attributes of stanzas are not compared here.
 */
export function shapeDiff(
  expected: Element,
  actual: Element,
  literals: Literals,
  rules: ShapeRules,
): string | undefined {
  const show = (e: Element) => shapeOf(e, (v) => literals.show(v));

  function diff(
    exp: Element,
    act: Element,
    expNs: string | undefined,
    actNs: string | undefined,
    depth: number,
  ): string | undefined {
    const stanzaAttr = (k: string) => depth === 0 && k === 'id';
    const where = shapeOf(exp, (v) => literals.show(v), stanzaAttr);
    if (exp.name !== act.name) return `expected ${where} got <${act.name}>`;
    const en = nsOf(exp, expNs);
    const an = nsOf(act, actNs);
    // A stanza's own namespace depends on the stream (jabber:client, jabber:component:accept).
    if (depth > 0 && en !== an) return `expected ${where} in ${en} got it in ${an}`;
    for (const [k, v] of Object.entries(exp.attrs)) {
      if (v === undefined || ignoredAttr(k) || stanzaAttr(k)) continue;
      const got = act.attrs[k];
      if (got === undefined) {
        if (rules.optional.has(`${exp.name}@${k}`)) continue;
        return `expected ${where} got ${shapeOf(act, undefined, stanzaAttr)} without ${k}`;
      }
      const problem = literals.check(v, got);
      if (problem) return `expected ${where} got ${k}=${problem}`;
    }
    for (const [k, v] of Object.entries(act.attrs)) {
      if (v === undefined || ignoredAttr(k) || stanzaAttr(k) || exp.attrs[k] !== undefined) {
        continue;
      }
      if (!rules.extra.has(`${exp.name}@${k}`)) {
        return `expected ${where} got ${shapeOf(act, undefined, stanzaAttr)} with the extra attribute ${k}='${v}'`;
      }
    }
    const expChildren = elementsOf(exp);
    const actChildren = elementsOf(act);
    if (expChildren.length === 0) {
      const want = textOf(exp);
      const got = actChildren.length === 0 ? textOf(act) : undefined;
      if (got === undefined) return `expected ${where} with no child got ${shapeOf(act)} with some`;
      if (want || got) {
        const problem = want ? literals.check(want, got) : `'${got}' instead of no text`;
        if (problem) return `expected ${where} with text '${literals.show(want)}' got ${problem}`;
      }
      return undefined;
    }
    const unmatched = [...actChildren];
    for (const e of expChildren) {
      const eNs = nsOf(e, en);
      const candidates = unmatched.filter((a) => a.name === e.name && nsOf(a, an) === eNs);
      if (candidates.length === 0) {
        const some = actChildren.some((a) => a.name === e.name);
        return `expected ${show(e)} got no ${some ? 'other ' : ''}<${e.name}>`;
      }
      const diffs = candidates.map((a) => diff(e, a, en, an, depth + 1));
      const i = diffs.indexOf(undefined);
      if (i === -1) {
        // One candidate: its difference says most; several: none of them is the one.
        return candidates.length === 1
          ? diffs[0]
          : `expected ${show(e)} got no such <${e.name}> among ${candidates.map((c) => shapeOf(c)).join(' ')}`;
      }
      const match = candidates[i] as Element;
      unmatched.splice(unmatched.indexOf(match), 1);
    }
    for (const a of unmatched) {
      // RFC 6120 §8.3.2: an error may carry <text/>; an error reply may carry the request's payload.
      if (exp.name === 'error' && a.name === 'text' && nsOf(a, an) === NS_STANZAS) continue;
      if (depth === 0 && exp.attrs.type === 'error' && a.name !== 'error') continue;
      return `expected ${where} got the extra child ${shapeOf(a)}`;
    }
    return undefined;
  }

  return diff(expected, actual, undefined, undefined, 0);
}
