// Renders what the XEP format puts inside sections (paragraphs, lists, tables, examples, code,
// links, notes, …) to HTML, numbering the examples and collecting the footnotes as it goes.
import { elements, esc, type XmlElement } from './xml.js';

/** The elements that become one HTML element, keeping their class and content: XEP name → HTML. */
const SIMPLE: Record<string, string> = {
  tt: 'code',
  em: 'em',
  strong: 'strong',
  cite: 'cite',
  dfn: 'dfn',
  acronym: 'abbr',
  blockquote: 'blockquote',
  ul: 'ul',
  li: 'li',
  dl: 'dl',
  dt: 'dt',
  dd: 'dd',
  tr: 'tr',
};

/** ` class="…"` when `el` has a class, else ''. */
const cls = (el: XmlElement) => (el.attrs.class ? ` class="${esc(el.attrs.class)}"` : '');

/** The ` colspan="…"` and ` rowspan="…"` a table cell has. */
const spans = (cell: XmlElement) =>
  ['colspan', 'rowspan']
    .filter((a) => cell.attrs[a])
    .map((a) => ` ${a}="${esc(cell.attrs[a] ?? '')}"`)
    .join('');

/**
 * One document's content, rendered node by node. Examples are numbered and footnotes collected in
 * the order they are rendered, so render the parts of a document in the order the page shows them.
 */
export class Content {
  /** The footnotes rendered so far, in order: the mark `n` links to `notes[n - 1]`. */
  readonly notes: string[] = [];
  private examples = 0;

  /** The children of `el`, rendered; a footnote mark sits right after the word it annotates. */
  flow(el: XmlElement): string {
    // Entities put a space before <note>: drop it.
    return el.children
      .map((c) => this.node(c))
      .join('')
      .replace(/\s+(<sup class="fn")/g, '$1');
  }

  /** One node: text is escaped; an element the format does not style renders as its content. */
  node(n: XmlElement | string): string {
    if (typeof n === 'string') return esc(n);
    const tag = SIMPLE[n.name];
    if (tag) return `<${tag}${cls(n)}>${this.flow(n)}</${tag}>`;
    switch (n.name) {
      case 'p':
      case 'div':
      case 'span':
        return `<${n.name}${cls(n)}>${this.flow(n)}</${n.name}>`;
      case 'br':
        return '<br>';
      case 'img':
        return `<img src="${esc(n.attrs.src ?? '')}" alt="${esc(n.attrs.alt ?? '')}">`;
      case 'link':
        return `<a href="${esc(n.attrs.url ?? '')}">${this.flow(n)}</a>`;
      case 'note':
        return this.note(n);
      case 'ol':
        return `<ol${n.attrs.start ? ` start="${esc(n.attrs.start)}"` : ''}>${this.flow(n)}</ol>`;
      case 'di':
        return this.flow(n);
      case 'th':
      case 'td':
        return `<${n.name}${spans(n)}>${this.flow(n)}</${n.name}>`;
      case 'table':
        return this.table(n);
      case 'example':
        return this.example(n);
      case 'code':
        return this.code(n);
      case 'cve':
        return this.cve(n);
      default:
        return this.flow(n);
    }
  }

  /** The footnotes, as the items of an `<ol>`, each linking back to its mark. */
  notesHtml(): string {
    return this.notes
      .map((n, i) => `<li id="fn-${i + 1}">${n} <a class="back" href="#fnref-${i + 1}">↩</a></li>`)
      .join('');
  }

  /** A footnote's mark, linking to the note (kept for `notesHtml`). */
  private note(n: XmlElement): string {
    this.notes.push(this.flow(n));
    const i = this.notes.length;
    return `<sup class="fn" id="fnref-${i}"><a href="#fn-${i}">${i}</a></sup>`;
  }

  private table(n: XmlElement): string {
    const caption = n.attrs.caption ? `<caption>${esc(n.attrs.caption)}</caption>` : '';
    const rows = elements(n)
      .map((c) => this.node(c))
      .join('');
    return `<table>${caption}${rows}</table>`;
  }

  /** A numbered, captioned example (`id="example-N"`). */
  private example(n: XmlElement): string {
    this.examples++;
    const caption = `Example ${this.examples}. ${esc(n.attrs.caption ?? '')}`;
    return `<figure class="example" id="example-${this.examples}"><figcaption>${caption}</figcaption><pre>${this.pre(n)}</pre></figure>`;
  }

  private code(n: XmlElement): string {
    const caption = n.attrs.caption ? `<figcaption>${esc(n.attrs.caption)}</figcaption>` : '';
    return `<figure class="code">${caption}<pre>${this.pre(n)}</pre></figure>`;
  }

  /** A CVE's name, linked when it has a URL, then its description. */
  private cve(n: XmlElement): string {
    const name = `CVE-${esc(n.attrs.id ?? '')}`;
    const label = n.attrs.url ? `<a href="${esc(n.attrs.url)}">${name}</a>` : name;
    return `<p class="cve">${label}: ${this.flow(n)}</p>`;
  }

  /** Preformatted content, without its leading blank lines and trailing white space. */
  private pre(el: XmlElement): string {
    return this.flow(el)
      .replace(/^\s*\n/, '')
      .replace(/\s+$/, '');
  }
}
