// Renders what a XEP's <header> holds: its fields, the metadata table at the top of the page, and
// the revision history and legal notice of the appendices.
import type { Content } from './content.js';
import { elements, esc, textOf, type XmlElement } from './xml.js';

/** The text of the header field `name` (title, number, status, …), trimmed; '' without it. */
export function field(header: XmlElement, name: string): string {
  return textOf(header.getChild(name)).trim();
}

/** The metadata table's rows (name, HTML value): number, status, version, …, authors. */
export function metaRows(header: XmlElement): Array<[string, string]> {
  const latest = header.getChildren('revision')[0];
  return [
    ['Number', `XEP-${esc(field(header, 'number'))}`],
    ['Status', esc(field(header, 'status'))],
    ['Type', esc(field(header, 'type'))],
    [
      'Version',
      esc(`${textOf(latest?.getChild('version'))} (${textOf(latest?.getChild('date'))})`),
    ],
    ['Approver', esc(field(header, 'approver'))],
    ['Dependencies', specList(header, 'dependencies')],
    ['Supersedes', specList(header, 'supersedes')],
    ['Superseded by', specList(header, 'supersededby')],
    ['Short name', esc(field(header, 'shortname'))],
    ['Authors', authors(header)],
  ];
}

/** The revision history's table rows, in the header's order; remarks are rendered by `content`. */
export function revisionRows(header: XmlElement, content: Content): string {
  return header
    .getChildren('revision')
    .map((r) => {
      const cells = ['version', 'date', 'initials'].map((f) => esc(textOf(r.getChild(f))));
      const remark = r.getChild('remark');
      return `<tr><td>${cells.join('</td><td>')}</td><td>${remark ? content.flow(remark) : ''}</td></tr>`;
    })
    .join('');
}

/** The legal notice, one paragraph per part, rendered by `content`; '' without one. */
export function legalNotice(header: XmlElement, content: Content): string {
  const legal = header.getChild('legal');
  return legal
    ? elements(legal)
        .map((part) => `<p>${content.flow(part)}</p>`)
        .join('')
    : '';
}

/** The `<spec>`s of the header field `name` (dependencies, supersedes, …), or 'None'. */
function specList(header: XmlElement, name: string): string {
  return (
    (header.getChild(name)?.getChildren('spec') ?? []).map((s) => esc(textOf(s))).join(', ') ||
    'None'
  );
}

/** The authors, one a line: name, then their email address and JID as links. */
function authors(header: XmlElement): string {
  return header
    .getChildren('author')
    .map((a) => {
      const who = esc(`${textOf(a.getChild('firstname'))} ${textOf(a.getChild('surname'))}`);
      const email = textOf(a.getChild('email'));
      const jid = textOf(a.getChild('jid'));
      const links = [
        email && `<a href="mailto:${esc(email)}">${esc(email)}</a>`,
        jid && `<a href="xmpp:${esc(jid)}">${esc(jid)}</a>`,
      ].filter(Boolean);
      return links.length > 0 ? `${who} (${links.join(', ')})` : who;
    })
    .join('<br>');
}
