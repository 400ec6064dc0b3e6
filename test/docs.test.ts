// The admin documentation (docs/, README.md) stays true to the code: every metric, config key,
// ad-hoc command, error text and link it mentions exists, and the server config snippets it
// shows are the files the integration tests run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse as parseToml } from 'smol-toml';
import { parseConfig } from '../app/config.js';
import { createMetrics } from '../app/metrics.js';
import { ConfigError } from '../lib/errors.js';
import { openStore } from '../store/open.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
const sources = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .filter((f) => f !== 'test-kit.ts')
    .map((f) => `${dir}/${f}`);

const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const PAGES = [...DOCS, 'README.md'];
const TROUBLESHOOTING = 'docs/troubleshooting.md';
const OPERATIONS = 'docs/operations.md';

/** Markdown without its fenced code blocks (replaced by empty lines, so line numbers hold). */
function prose(md: string): string {
  return md.replace(/^([ \t]*)(```+|~~~+).*\n[\s\S]*?^\1\2[ \t]*$/gm, (m) =>
    m.replace(/[^\n]/g, ''),
  );
}

/** The fenced code blocks: language and content (without the fences and the last newline). */
function fences(md: string): Array<{ lang: string; body: string }> {
  const out: Array<{ lang: string; body: string }> = [];
  const re = /^([ \t]*)(```+|~~~+)(\S*).*\n([\s\S]*?)^\1\2[ \t]*$/gm;
  for (const m of md.matchAll(re)) {
    const indent = m[1] ?? '';
    const body = (m[4] ?? '').replace(new RegExp(`^${indent}`, 'gm'), '');
    out.push({ lang: m[3] ?? '', body: body.replace(/\n$/, '') });
  }
  return out;
}

interface Span {
  text: string;
  /** The line around the span (for context such as "command"). */
  line: string;
}

/** Inline code spans outside fenced blocks. */
function codeSpans(md: string): Span[] {
  const text = prose(md);
  const spans: Span[] = [];
  for (const m of text.matchAll(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
    const at = m.index ?? 0;
    const start = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at + m[0].length);
    spans.push({
      text: (m[2] ?? '').replace(/\s+/g, ' ').trim(),
      line: text.slice(start, end < 0 ? undefined : end),
    });
  }
  return spans;
}

const each = (pages: string[], f: (page: string, md: string) => string[]) =>
  pages.flatMap((page) => f(page, read(page)).map((problem) => `${page}: ${problem}`));

describe('metrics in the docs', () => {
  async function exported(): Promise<Set<string>> {
    const store = await openStore({ path: ':memory:' });
    const metrics = createMetrics({ xmpp: true, store, xmppConnected: () => true });
    const names = new Set<string>();
    try {
      for (const m of await metrics.registry.getMetricsAsJSON()) {
        names.add(m.name);
        if (String(m.type) === 'histogram')
          for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
      }
    } finally {
      await store.close();
    }
    return names;
  }

  it('names only metrics that /metrics exports', async () => {
    const names = await exported();
    const problems = each(PAGES, (_page, md) =>
      [...new Set(md.match(/\bxpr_[a-z0-9_]+/g) ?? [])]
        // "the prefix `xpr_`": a prefix of exported names
        .filter((n) => (n.endsWith('_') ? ![...names].some((x) => x.startsWith(n)) : !names.has(n)))
        .map((n) => `${n} is not a metric of app/metrics.ts`),
    );
    expect(problems).toEqual([]);
  });

  it('documents every metric of app/metrics.ts in docs/operations.md', () => {
    const own = [...read('app/metrics.ts').matchAll(/name: '(xpr_[a-z0-9_]+)'/g)].map((m) => m[1]);
    expect(own.length).toBeGreaterThan(0);
    const md = read(OPERATIONS);
    expect(own.filter((n) => !md.includes(`\`${n}\``))).toEqual([]);
  });

  it('lists every publish outcome in docs/operations.md', () => {
    const union = /export type PublishOutcome =([^;]+);/.exec(
      read('component/publish-outcome.ts'),
    )?.[1];
    const outcomes = [...(union ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1]);
    expect(outcomes.length).toBeGreaterThan(0);
    const md = read(OPERATIONS);
    expect(outcomes.filter((o) => !md.includes(`| \`${o}\` |`))).toEqual([]);
  });
});

describe('config keys in the docs', () => {
  /** `section` → keys of config.example.toml, commented-out ones included. */
  function exampleKeys(): Map<string, Set<string>> {
    const keys = new Map<string, Set<string>>([['', new Set()]]);
    let section = '';
    for (const line of read('config.example.toml').split('\n')) {
      const table = /^#?\s*\[\[?([a-z_]+)\]\]?\s*(#.*)?$/.exec(line);
      if (table?.[1]) {
        section = table[1];
        if (!keys.has(section)) keys.set(section, new Set());
        continue;
      }
      const key = /^#?\s*([a-z_]+)\s*=/.exec(line)?.[1];
      if (key) keys.get(section)?.add(key);
    }
    return keys;
  }

  /** Whether the configuration schema knows `[section] key` (or the section alone). */
  function schemaKnows(section: string, key?: string): boolean {
    const table = section === 'relays' ? '[[relays]]' : `[${section}]`;
    try {
      parseConfig(`${table}\n${key ? `${key} = 0\n` : ''}`, ROOT, {});
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return !err.problems.some((p) => /Unrecognized key/.test(p));
    }
    return true;
  }

  /** Every `[section] key` in code spans and every key of ```toml blocks. */
  function mentioned(md: string, sections: Set<string>): Array<[string, string | undefined]> {
    const found: Array<[string, string | undefined]> = [];
    for (const { text } of codeSpans(md)) {
      const m = /^\[\[?([a-z_]+)\]\]?(?:\s+([a-z_]+)\b)?/.exec(text);
      // `[redacted]` and the like are not config: a section alone counts when it is one
      if (m?.[1] && (m[2] || sections.has(m[1]))) found.push([m[1], m[2]]);
    }
    for (const { lang, body } of fences(md)) {
      if (lang !== 'toml') continue;
      const doc = parseToml(body) as Record<string, unknown>;
      for (const [section, value] of Object.entries(doc)) {
        const tables = Array.isArray(value) ? value : [value];
        for (const t of tables) {
          if (t === null || typeof t !== 'object') found.push(['', section]);
          else for (const key of Object.keys(t)) found.push([section, key]);
        }
      }
    }
    return found;
  }

  it('mentions only keys that config.example.toml documents and the schema accepts', () => {
    const example = exampleKeys();
    const problems = each(PAGES, (_page, md) =>
      mentioned(md, new Set(example.keys())).flatMap(([section, key]) => {
        const name = key ? `[${section}] ${key}` : `[${section}]`;
        const inExample = key ? example.get(section)?.has(key) : example.has(section);
        if (!inExample) return [`${name} is not in config.example.toml`];
        if (!schemaKnows(section, key)) return [`${name} is refused by app/config.ts`];
        return [];
      }),
    );
    expect(problems).toEqual([]);
  });
});

describe('ad-hoc commands in the docs', () => {
  /** Command nodes declared in component/*.ts. */
  function nodes(): Set<string> {
    const found = new Set<string>();
    const providers = [
      ...(/export type ProviderName =([^;]+);/.exec(read('lib/providers.ts'))?.[1] ?? '').matchAll(
        /'([a-z]+)'/g,
      ),
    ].map((m) => m[1] as string);
    for (const file of sources('component')) {
      const src = read(file);
      for (const m of src.matchAll(/node: '([a-z0-9-]+)'/g)) found.add(m[1] as string);
      for (const m of src.matchAll(/node: `([a-z-]+)\$\{kind\}`/g)) {
        for (const kind of [...providers, 'relay']) found.add(`${m[1]}${kind}`);
      }
    }
    return found;
  }

  /** The CLI's own commands (start, relay, …), which the docs call commands too. */
  function cliCommands(): Set<string> {
    const usage = [read('app/cli.ts'), read('relay-client/cli.ts')].join('\n');
    return new Set([...usage.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1] as string));
  }

  const NODE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:-(?:\*|…))?$/;
  const FAMILY = /^(?:un)?register-push-|^admin-/;
  /** XEP-0050 actions, which the docs name next to commands. */
  const ACTIONS = new Set(['execute', 'complete', 'next', 'prev', 'cancel']);
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  /** Stanza error conditions (component/stanza-error.ts), which the docs name next to commands. */
  function conditions(): Set<string> {
    const types = /const TYPES = \{([^}]+)\}/.exec(read('component/stanza-error.ts'))?.[1] ?? '';
    return new Set([...types.matchAll(/'?([a-z-]+)'?: '/g)].map((m) => m[1] as string));
  }

  it('mentions only commands that exist', () => {
    const known = nodes();
    const errors = conditions();
    expect(errors.has('item-not-found')).toBe(true);
    expect(known.has('explain')).toBe(true);
    const cli = cliCommands();
    const problems = each(PAGES, (_page, md) =>
      codeSpans(md).flatMap(({ text, line }) => {
        if (!NODE.test(text) || ACTIONS.has(text) || errors.has(text)) return [];
        const t = escapeRegExp(text);
        const near = new RegExp(`\\bcommands?\\b.{0,30}\`${t}\`|\`${t}\`.{0,30}\\bcommands?\\b`);
        if (!FAMILY.test(text) && !near.test(line)) return [];
        if (/[*…]$/.test(text)) {
          const prefix = text.slice(0, -1);
          return [...known].some((n) => n.startsWith(prefix)) ? [] : [`no command matches ${text}`];
        }
        return known.has(text) || cli.has(text) ? [] : [`${text} is not an ad-hoc command`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('documents every command', () => {
    const spans = new Set(PAGES.flatMap((page) => codeSpans(read(page)).map((s) => s.text)));
    expect([...nodes()].filter((n) => !spans.has(n))).toEqual([]);
  });
});

describe('error texts in docs/troubleshooting.md', () => {
  /** The constant start of a string or template literal's text (up to the first `${`). */
  const literal = (quote: string, body: string) =>
    (quote === '`' ? (body.split('${')[0] ?? '') : body).replace(/\\(.)/g, '$1');
  const STRING = String.raw`(['"\x60])((?:\\.|(?!\1)[^\\])*)\1`;
  const texts = (files: string[], call: string) =>
    files.flatMap((file) =>
      [...read(file).matchAll(new RegExp(`${call}${STRING}`, 'g'))].map((m) => ({
        file,
        text: literal(m[1] as string, m[2] as string),
      })),
    );
  const missing = (found: Array<{ file: string; text: string }>) => {
    const md = read(TROUBLESHOOTING);
    return found
      .filter(({ text }) => text.length >= 8 && !md.includes(text))
      .map(({ file, text }) => `${file}: "${text}"`);
  };

  it('explains every stanza error text of the component', () => {
    const files = sources('component');
    const found = [
      ...texts(files, String.raw`new StanzaError\(\s*'[a-z-]+',\s*`),
      ...texts(files, String.raw`badPayload\(\s*`),
      ...texts(files, String.raw`commandError\(\s*'[a-z-]+',\s*`),
      // a table of [condition, text] (quota-error.ts)
      ...texts(files, String.raw`\[\s*'[a-z-]+',\s*`),
    ];
    expect(found.length).toBeGreaterThan(20);
    expect(missing(found)).toEqual([]);
  });

  it('explains every HTTP API error detail', () => {
    const files = sources('relay/http');
    const found = [
      ...texts(files, String.raw`fail\(\s*reply,\s*\d{3},\s*`),
      ...texts(files, String.raw`\b\d{3}: `),
      ...texts(files, String.raw`send\(\{\s*(?:\[field\]|[a-z_]+): \[`),
      ...texts(files, 'const NOT_FOUND = '),
    ];
    expect(found.length).toBeGreaterThan(10);
    expect(missing(found)).toEqual([]);
  });

  it('explains every configuration problem check-config reports', () => {
    const config = sources('app').filter((f) => /^app\/config[.-]/.test(f));
    const files = [...config, 'app/providers.ts', 'app/start.ts'];
    const found = [
      ...texts(files, String.raw`ConfigError\(\[\s*`),
      ...texts(config, String.raw`\.(?:regex\(/(?:\\.|[^/\\])+/[a-z]*|refine\([^,]+),\s*`),
    ];
    expect(found.length).toBeGreaterThan(10);
    expect(missing(found)).toEqual([]);
  });
});

describe('server config snippets', () => {
  it.each([
    ['docs/prosody.md', 'docs/prosody/push-component.cfg.lua'],
    ['docs/ejabberd.md', 'docs/ejabberd/push-component.yml'],
  ])('%s shows %s unchanged', (page, snippet) => {
    const text = read(snippet).replace(/\n$/, '');
    expect(fences(read(page)).some((f) => f.body === text)).toBe(true);
  });

  it.each([
    ['harness/servers/prosody.ts', 'docs/prosody/push-component.cfg.lua'],
    ['harness/servers/ejabberd.ts', 'docs/ejabberd/push-component.yml'],
  ])('%s builds its config from %s', (harness, snippet) => {
    expect(read(harness)).toContain(`'${snippet}'`);
  });
});

describe('links', () => {
  /** GitHub's heading anchors of a Markdown page. */
  function anchors(md: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const m of prose(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
      const slug = (m[1] ?? '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      out.add(n === 0 ? slug : `${slug}-${n}`);
    }
    return out;
  }

  it('point to files (and headings) that exist', () => {
    const problems = each(PAGES, (page, md) => {
      const text = prose(md).replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, '');
      return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].flatMap((m) => {
        const href = m[1] as string;
        if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return [];
        const [path = '', anchor] = href.split('#');
        const target = path ? normalize(join(dirname(page), path)) : page;
        if (!existsSync(join(ROOT, target))) return [`${href}: ${target} does not exist`];
        if (anchor && target.endsWith('.md') && !anchors(read(target)).has(anchor)) {
          return [`${href}: no heading #${anchor} in ${target}`];
        }
        return [];
      });
    });
    expect(problems).toEqual([]);
  });
});
