// Renders the XEP draft (XSF format, xep.dtd) to one self-contained HTML page.
// `node dist/xep-draft/render.js [--out FILE] [--specs DIR]`; see xep-draft/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { STYLE } from './style.js';

/** The parts of an ltx element the renderer reads (ltx ships no types). */
interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: Array<XmlElement | string>;
  getChild(name: string): XmlElement | undefined;
  getChildren(name: string): XmlElement[];
}

const parseXml = createRequire(import.meta.url)('ltx').parse as (xml: string) => XmlElement;

/** The folder holding package.json above `from`: the repository root, from source or dist. */
export function findRepoRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * How a draft is checked: always against our structural schema, and against the XSF's xep.dtd
 * when `validate` (`dir` then holds the XSF's xep.dtd and xep.ent).
 */
export interface Specs {
  /** This project's RELAX NG schema of the XEP format, xep-draft/schema/xep.rng. */
  schema: string;
  /** The folder holding the xep.dtd and xep.ent the draft's entities come from. */
  dir: string;
  validate: boolean;
}

/**
 * The XSF's xep.dtd and xep.ent in `xepsDir` (default: the XEPS_DIR environment variable), which
 * must hold both; without a folder, the stand-ins in xep-draft/offline, which define the draft's
 * entities but no document type. Our schema is checked either way.
 */
export function findSpecs(root: string, xepsDir = process.env.XEPS_DIR): Specs {
  const schema = join(root, 'xep-draft', 'schema', 'xep.rng');
  if (!xepsDir) return { schema, dir: join(root, 'xep-draft', 'offline'), validate: false };
  const dir = resolve(xepsDir);
  if (!existsSync(join(dir, 'xep.dtd')) || !existsSync(join(dir, 'xep.ent'))) {
    throw new Error(`XEPS_DIR=${xepsDir} does not hold both xep.dtd and xep.ent`);
  }
  return { schema, dir, validate: true };
}

/** What checking a draft with `specs` runs, in words (for messages and test names). */
export function describeSpecs(specs: Specs): string {
  return specs.validate
    ? `structure (own schema) and XSF DTD from ${specs.dir}`
    : 'structure (own schema); XSF DTD not run (XEPS_DIR unset)';
}

/**
 * The draft with every entity (&LEGALNOTICE;, &xep0357;, …) expanded, checked against our schema
 * and, when `specs` holds the XSF's xep.dtd, validated against it.
 */
export function expandDraft(file: string, specs: Specs): string {
  const args = ['--nonet', '--noent', '--loaddtd', '--dropdtd', '--path', specs.dir];
  args.push('--relaxng', specs.schema);
  if (specs.validate) args.push('--valid');
  try {
    return execFileSync('xmllint', [...args, file], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `xmllint found ${file} invalid (${describeSpecs(specs)}):\n${e.stderr || e.message}`,
      {
        cause: err,
      },
    );
  }
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const elements = (el: XmlElement) =>
  el.children.filter((c): c is XmlElement => typeof c !== 'string');

function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

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

interface TocEntry {
  number: string;
  title: string;
  id: string;
  depth: number;
}

/** Renders an expanded XEP document (the output of `expandDraft`) to an HTML page. */
export function renderHtml(xml: string): string {
  const doc = parseXml(xml);
  const header = doc.getChild('header');
  if (doc.name !== 'xep' || !header) throw new Error('not a XEP document');
  const notes: string[] = [];
  const toc: TocEntry[] = [];
  const ids = new Set<string>();
  let examples = 0;

  // A footnote mark sits right after the word it annotates (entities put a space before <note>).
  const flow = (el: XmlElement) =>
    el.children
      .map(node)
      .join('')
      .replace(/\s+(<sup class="fn")/g, '$1');
  const cls = (el: XmlElement) => (el.attrs.class ? ` class="${esc(el.attrs.class)}"` : '');
  const pre = (el: XmlElement) =>
    flow(el)
      .replace(/^\s*\n/, '')
      .replace(/\s+$/, '');

  function node(n: XmlElement | string): string {
    if (typeof n === 'string') return esc(n);
    const tag = SIMPLE[n.name];
    if (tag) return `<${tag}${cls(n)}>${flow(n)}</${tag}>`;
    switch (n.name) {
      case 'p':
      case 'div':
      case 'span':
        return `<${n.name}${cls(n)}>${flow(n)}</${n.name}>`;
      case 'br':
        return '<br>';
      case 'img':
        return `<img src="${esc(n.attrs.src ?? '')}" alt="${esc(n.attrs.alt ?? '')}">`;
      case 'link':
        return `<a href="${esc(n.attrs.url ?? '')}">${flow(n)}</a>`;
      case 'note': {
        notes.push(flow(n));
        const i = notes.length;
        return `<sup class="fn" id="fnref-${i}"><a href="#fn-${i}">${i}</a></sup>`;
      }
      case 'ol':
        return `<ol${n.attrs.start ? ` start="${esc(n.attrs.start)}"` : ''}>${flow(n)}</ol>`;
      case 'di':
        return flow(n);
      case 'th':
      case 'td': {
        const span = ['colspan', 'rowspan']
          .filter((a) => n.attrs[a])
          .map((a) => ` ${a}="${esc(n.attrs[a] ?? '')}"`)
          .join('');
        return `<${n.name}${span}>${flow(n)}</${n.name}>`;
      }
      case 'table': {
        const caption = n.attrs.caption ? `<caption>${esc(n.attrs.caption)}</caption>` : '';
        return `<table>${caption}${elements(n).map(node).join('')}</table>`;
      }
      case 'example': {
        examples++;
        const caption = `Example ${examples}. ${esc(n.attrs.caption ?? '')}`;
        return `<figure class="example" id="example-${examples}"><figcaption>${caption}</figcaption><pre>${pre(n)}</pre></figure>`;
      }
      case 'code': {
        const caption = n.attrs.caption ? `<figcaption>${esc(n.attrs.caption)}</figcaption>` : '';
        return `<figure class="code">${caption}<pre>${pre(n)}</pre></figure>`;
      }
      case 'cve': {
        const name = `CVE-${esc(n.attrs.id ?? '')}`;
        const label = n.attrs.url ? `<a href="${esc(n.attrs.url)}">${name}</a>` : name;
        return `<p class="cve">${label}: ${flow(n)}</p>`;
      }
      default:
        return flow(n);
    }
  }

  function uniqueId(wanted: string): string {
    let id = wanted;
    for (let i = 2; ids.has(id); i++) id = `${wanted}-${i}`;
    ids.add(id);
    return id;
  }

  function section(el: XmlElement, number: string): string {
    const depth = Number(el.name.slice(-1));
    const title = el.attrs.topic ?? '';
    const id = uniqueId(el.attrs.anchor || `sect-${number}`);
    toc.push({ number, title, id, depth });
    let child = 0;
    const body = el.children
      .map((c) => {
        if (typeof c !== 'string' && c.name === `section${depth + 1}`) {
          child++;
          return section(c, `${number}.${child}`);
        }
        return node(c);
      })
      .join('');
    const h = `h${Math.min(depth + 1, 6)}`;
    return `<section id="${esc(id)}"><${h}><a class="num" href="#${esc(id)}">${number}.</a> ${esc(title)}</${h}>${body}</section>`;
  }

  const body = doc
    .getChildren('section1')
    .map((s, i) => section(s, String(i + 1)))
    .join('\n');

  const field = (name: string) => textOf(header.getChild(name)).trim();
  const specs = (name: string) =>
    (header.getChild(name)?.getChildren('spec') ?? []).map((s) => esc(textOf(s))).join(', ') ||
    'None';
  const authors = header
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
  const revisions = header.getChildren('revision');
  const latest = revisions[0];
  const meta: Array<[string, string]> = [
    ['Number', `XEP-${esc(field('number'))}`],
    ['Status', esc(field('status'))],
    ['Type', esc(field('type'))],
    [
      'Version',
      esc(`${textOf(latest?.getChild('version'))} (${textOf(latest?.getChild('date'))})`),
    ],
    ['Approver', esc(field('approver'))],
    ['Dependencies', specs('dependencies')],
    ['Supersedes', specs('supersedes')],
    ['Superseded by', specs('supersededby')],
    ['Short name', esc(field('shortname'))],
    ['Authors', authors],
  ];
  const history = revisions
    .map((r) => {
      const cells = ['version', 'date', 'initials'].map((f) => esc(textOf(r.getChild(f))));
      const remark = r.getChild('remark');
      return `<tr><td>${cells.join('</td><td>')}</td><td>${remark ? flow(remark) : ''}</td></tr>`;
    })
    .join('');
  const legal = header.getChild('legal');
  const legalHtml = legal
    ? elements(legal)
        .map((part) => `<p>${flow(part)}</p>`)
        .join('')
    : '';
  const tocHtml = toc
    .map(
      (t) =>
        `<li class="toc-${t.depth}"><a href="#${esc(t.id)}"><span class="num">${t.number}.</span> ${esc(t.title)}</a></li>`,
    )
    .join('');
  const notesHtml = notes
    .map((n, i) => `<li id="fn-${i + 1}">${n} <a class="back" href="#fnref-${i + 1}">↩</a></li>`)
    .join('');
  const title = esc(field('title'));

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>XEP-${esc(field('number'))}: ${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<p class="series">XMPP Extension Protocol · ${esc(field('status'))}</p>
<h1>XEP-${esc(field('number'))}: ${title}</h1>
<p class="abstract">${esc(field('abstract'))}</p>
<table class="meta">${meta.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
</header>
<nav class="toc"><h2>Contents</h2><ol>${tocHtml}<li class="toc-1"><a href="#appendices"><span class="num">A.</span> Revision history, legal notice, notes</a></li></ol></nav>
<main>
${body}
<section id="appendices"><h2><a class="num" href="#appendices">A.</a> Appendices</h2>
<h3 id="revisions">Revision history</h3>
<table><tr><th>Version</th><th>Date</th><th>By</th><th>Changes</th></tr>${history}</table>
<h3 id="legal">Legal notice</h3>
<div class="legal">${legalHtml}</div>
<h3 id="notes">Notes</h3>
<ol class="notes">${notesHtml}</ol>
</section>
</main>
</body>
</html>
`;
}

const USAGE = `Usage: node dist/xep-draft/render.js [--out FILE] [--in FILE] [--specs DIR]
  --out FILE    where to write the page (default xep-draft/push-relay.html)
  --in FILE     the draft (default xep-draft/push-relay.xml)
  --specs DIR   folder with the XSF's xep.dtd and xep.ent to validate against (default: XEPS_DIR
                when set, else only our schema, with the entities of xep-draft/offline)`;

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      in: { type: 'string' },
      specs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  const input = resolve(values.in ?? join(root, 'xep-draft', 'push-relay.xml'));
  const out = resolve(values.out ?? join(root, 'xep-draft', 'push-relay.html'));
  const specs = findSpecs(root, values.specs ?? process.env.XEPS_DIR);
  console.log(`checking ${input}: ${describeSpecs(specs)}`);
  writeFileSync(out, renderHtml(expandDraft(input, specs)));
  console.log(`wrote ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    console.error(USAGE);
    process.exitCode = 1;
  }
}
