// Renders a XEP's sections (section1 … section5) as numbered, linkable HTML sections, and the
// table of contents listing them.
import type { Content } from './content.js';
import { esc, type XmlElement } from './xml.js';

/** A section's line in the table of contents. */
export interface TocEntry {
  /** Its number: 1, 1.2, 1.2.3, … */
  number: string;
  title: string;
  /** The HTML id it links to: its anchor, else `sect-<number>`, made unique. */
  id: string;
  /** 1 for a section1, … 5 for a section5. */
  depth: number;
}

/** What rendering the sections collects: the table of contents and the ids taken. */
interface Outline {
  content: Content;
  toc: TocEntry[];
  ids: Set<string>;
}

/**
 * The `<section1>`s of `doc` (and the sections inside them), numbered in document order, with
 * their content rendered by `content`; and their table of contents, in the same order.
 */
export function renderSections(
  doc: XmlElement,
  content: Content,
): { html: string; toc: TocEntry[] } {
  const outline: Outline = { content, toc: [], ids: new Set() };
  const html = doc
    .getChildren('section1')
    .map((s, i) => section(s, String(i + 1), outline))
    .join('\n');
  return { html, toc: outline.toc };
}

/** The table of contents, as the items of an `<ol>`. */
export function tocHtml(toc: TocEntry[]): string {
  return toc
    .map(
      (t) =>
        `<li class="toc-${t.depth}"><a href="#${esc(t.id)}"><span class="num">${t.number}.</span> ${esc(t.title)}</a></li>`,
    )
    .join('');
}

/** One section, numbered `number`, with its heading and its subsections numbered below it. */
function section(el: XmlElement, number: string, outline: Outline): string {
  const depth = Number(el.name.slice(-1));
  const title = el.attrs.topic ?? '';
  const id = uniqueId(el.attrs.anchor || `sect-${number}`, outline.ids);
  outline.toc.push({ number, title, id, depth });
  let child = 0;
  const body = el.children
    .map((c) => {
      if (typeof c !== 'string' && c.name === `section${depth + 1}`) {
        child++;
        return section(c, `${number}.${child}`, outline);
      }
      return outline.content.node(c);
    })
    .join('');
  const h = `h${Math.min(depth + 1, 6)}`;
  return `<section id="${esc(id)}"><${h}><a class="num" href="#${esc(id)}">${number}.</a> ${esc(title)}</${h}>${body}</section>`;
}

/** `wanted`, or `wanted-2`, `wanted-3`, … if taken; added to `ids`. */
function uniqueId(wanted: string, ids: Set<string>): string {
  let id = wanted;
  for (let i = 2; ids.has(id); i++) id = `${wanted}-${i}`;
  ids.add(id);
  return id;
}
