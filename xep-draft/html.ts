// Renders an expanded XEP document to one self-contained HTML page: header table, table of
// contents, numbered sections, and appendices with the revision history, legal notice and notes.
import { Content } from './content.js';
import { field, legalNotice, metaRows, revisionRows } from './header.js';
import { renderSections, tocHtml } from './sections.js';
import { STYLE } from './style.js';
import { esc, parseXml, type XmlElement } from './xml.js';

/** The rendered parts `page` puts together. */
interface Parts {
  header: XmlElement;
  meta: Array<[string, string]>;
  toc: string;
  body: string;
  history: string;
  legal: string;
  notes: string;
}

/** Renders an expanded XEP document (the output of `expandDraft`) to an HTML page. */
export function renderHtml(xml: string): string {
  const doc = parseXml(xml);
  const header = doc.getChild('header');
  if (doc.name !== 'xep' || !header) throw new Error('not a XEP document');
  const content = new Content();
  // Footnotes are numbered as rendered: the sections' first, then the revision remarks', then
  // the legal notice's.
  const sections = renderSections(doc, content);
  const meta = metaRows(header);
  const history = revisionRows(header, content);
  const legal = legalNotice(header, content);
  return page({
    header,
    meta,
    toc: tocHtml(sections.toc),
    body: sections.html,
    history,
    legal,
    notes: content.notesHtml(),
  });
}

/** The page: head with the stylesheet, then header, contents, sections and appendices. */
function page({ header, meta, toc, body, history, legal, notes }: Parts): string {
  const number = esc(field(header, 'number'));
  const title = esc(field(header, 'title'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>XEP-${number}: ${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<p class="series">XMPP Extension Protocol · ${esc(field(header, 'status'))}</p>
<h1>XEP-${number}: ${title}</h1>
<p class="abstract">${esc(field(header, 'abstract'))}</p>
<table class="meta">${meta.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
</header>
<nav class="toc"><h2>Contents</h2><ol>${toc}<li class="toc-1"><a href="#appendices"><span class="num">A.</span> Revision history, legal notice, notes</a></li></ol></nav>
<main>
${body}
<section id="appendices"><h2><a class="num" href="#appendices">A.</a> Appendices</h2>
<h3 id="revisions">Revision history</h3>
<table><tr><th>Version</th><th>Date</th><th>By</th><th>Changes</th></tr>${history}</table>
<h3 id="legal">Legal notice</h3>
<div class="legal">${legal}</div>
<h3 id="notes">Notes</h3>
<ol class="notes">${notes}</ol>
</section>
</main>
</body>
</html>
`;
}
