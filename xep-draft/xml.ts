// The XML side of the renderer: the parsed document, its text, and escaping text for HTML.
import { createRequire } from 'node:module';

/** The parts of an ltx element the renderer reads (ltx ships no types). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: Array<XmlElement | string>;
  getChild(name: string): XmlElement | undefined;
  getChildren(name: string): XmlElement[];
}

/** Parses an XML document with ltx; returns its root element. */
export const parseXml = createRequire(import.meta.url)('ltx').parse as (xml: string) => XmlElement;

/** `s` escaped for HTML text and attribute values. */
export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The child elements of `el`, without its text. */
export const elements = (el: XmlElement) =>
  el.children.filter((c): c is XmlElement => typeof c !== 'string');

/** All the text inside `el`, unescaped ('' without an element). */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
