// The XEP draft checker (xep-draft/check.sh, `npm run xep:check`) and our structural schema of the
// XEP format (xep-draft/schema/xep.rng): the draft passes; drafts broken the ways a spec author
// breaks them fail, each with xmllint's message naming the line and the element; every run says
// what it checked, and a XEPS_DIR without the XSF's files is an error, not a skipped check.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { describeSpecs, expandDraft, findRepoRoot, findSpecs } from '../xep-draft/render.js';

const ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const CHECK = join(ROOT, 'xep-draft', 'check.sh');
const DRAFT = join(ROOT, 'xep-draft', 'push-relay.xml');
const GOOD = readFileSync(DRAFT, 'utf8');
const XEPS_DIR = process.env.XEPS_DIR;

const STRUCTURE_OK = 'xep:check: structure (own schema): ok';
const STRUCTURE_FAILED = 'xep:check: structure (own schema): FAILED';
const DTD_NOT_RUN =
  "xep:check: XSF DTD: not run (set XEPS_DIR to the folder holding the XSF's xep.dtd and xep.ent)";

/** The attributes the draft uses, for a stand-in DTD. */
const ATTRS = ['topic', 'anchor', 'caption', 'url', 'class', 'style', 'colspan', 'rowspan', 'align']
  .map((a) => `${a} CDATA #IMPLIED`)
  .join(' ');

const tmp = mkdtempSync(join(tmpdir(), 'xep-schema-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let files = 0;
/** Writes `text` as a draft in its own temporary file. */
function draftFile(text: string): string {
  const file = join(tmp, `draft-${++files}.xml`);
  writeFileSync(file, text);
  return file;
}

/** Runs the checker on `file` with XEPS_DIR set to `xepsDir` (unset when undefined). */
function check(file: string, xepsDir?: string) {
  const env = { ...process.env };
  delete env.XEPS_DIR;
  if (xepsDir !== undefined) env.XEPS_DIR = xepsDir;
  const r = spawnSync('bash', [CHECK, file], { env, encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

/** `GOOD` with `from` (which must occur) replaced by `to`. */
function mutate(from: string | RegExp, to: string): string {
  const out = GOOD.replace(from, to);
  if (out === GOOD) throw new Error(`the draft has no ${from}`);
  return out;
}

const firstSection1 = GOOD.indexOf('<section1 ');
const BROKEN: Array<[string, string, RegExp]> = [
  [
    'a header without <sig/>',
    mutate(/\s*<sig>[^<]*<\/sig>/, ''),
    /:\d+: element approver: Relax-NG validity error : Did not expect element approver there/,
  ],
  [
    'an unknown element in a section',
    mutate('<p>A mobile operating', '<para>Unknown.</para><p>A mobile operating'),
    /:\d+: element para: Relax-NG validity error : Did not expect element para there/,
  ],
  [
    'a <section2/> directly under <xep/>',
    `${GOOD.slice(0, firstSection1)}<section2 topic='Stray' anchor='stray'><p>Misplaced.</p></section2>\n${GOOD.slice(firstSection1)}`,
    /:\d+: element section2: Relax-NG validity error : Did not expect element section2 there/,
  ],
  [
    'an author without a surname',
    mutate(/\s*<surname>[^<]*<\/surname>/, ''),
    /:\d+: element (author|email): Relax-NG validity error/,
  ],
  [
    'a revision without its remark',
    mutate(/\s*<remark>.*?<\/remark>/s, ''),
    /:\d+: element revision: Relax-NG validity error/,
  ],
  [
    'a revision dated 29/11/2026',
    mutate('<date>2026-11-29</date>', '<date>29/11/2026</date>'),
    /:\d+: element date: Relax-NG validity error/,
  ],
  [
    'a section without a topic',
    mutate("<section1 topic='Requirements' anchor='reqs'>", "<section1 anchor='reqs'>"),
    /:\d+: element section1: Relax-NG validity error/,
  ],
  [
    'an example without a caption',
    mutate(/<example caption='[^']*'>/, '<example>'),
    /:\d+: element example: Relax-NG validity error/,
  ],
  [
    'a status the XEP process does not have',
    mutate('<status>ProtoXEP</status>', '<status>Sketch</status>'),
    /:\d+: element status: Relax-NG validity error/,
  ],
  [
    'a list item directly in a section',
    mutate(
      "<section1 topic='Requirements' anchor='reqs'>",
      "<section1 topic='Requirements' anchor='reqs'><li>Loose.</li>",
    ),
    /:\d+: element li: Relax-NG validity error : Did not expect element li there/,
  ],
];

describe('xep:check, structure with our own schema (nothing outside the repository)', () => {
  it('passes the draft and says that the XSF DTD check did not run without XEPS_DIR', () => {
    const r = check(DRAFT);
    expect(r.lines).toEqual([STRUCTURE_OK, DTD_NOT_RUN]);
    expect(r.status).toBe(0);
  });

  it.each(BROKEN)('fails %s, naming the line and the element', (_what, text, message) => {
    const file = draftFile(text);
    const r = check(file);
    expect(r.lines[0]).toBe(
      `${STRUCTURE_FAILED}: ${file} does not match xep-draft/schema/xep.rng (messages above)`,
    );
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.status).toBe(1);
  });

  it('fails a draft using an entity that xep-draft/offline/xep.ent does not define', () => {
    const r = check(draftFile(mutate('&xep0357;', '&xep9999;')));
    expect(r.lines[0]).toMatch(STRUCTURE_FAILED);
    expect(r.stderr).toMatch(/Entity 'xep9999' not defined/);
    expect(r.status).toBe(1);
  });

  it('fails loudly when XEPS_DIR names a folder without xep.dtd and xep.ent', () => {
    const empty = mkdtempSync(join(tmp, 'empty-'));
    const r = check(DRAFT, empty);
    expect(r.lines).toEqual([
      STRUCTURE_OK,
      `xep:check: XSF DTD: FAILED: XEPS_DIR=${empty} does not hold both xep.dtd and xep.ent`,
    ]);
    expect(r.status).toBe(1);
    expect(() => findSpecs(ROOT, empty)).toThrow(`XEPS_DIR=${empty} does not hold both`);
  });

  it('runs DTD validation with the xep.dtd and xep.ent of XEPS_DIR (a stand-in DTD here)', () => {
    // Declares every element the draft uses, with any content: the draft is valid, and an element
    // the DTD does not declare is not. Shows that XEPS_DIR's files are the ones validated against.
    const dir = mkdtempSync(join(tmp, 'xeps-'));
    copyFileSync(join(ROOT, 'xep-draft', 'offline', 'xep.ent'), join(dir, 'xep.ent'));
    const names = new Set(
      [...expandDraft(DRAFT, findSpecs(ROOT, '')).matchAll(/<([a-z][a-z0-9]*)[\s/>]/g)].map(
        (m) => m[1],
      ),
    );
    writeFileSync(
      join(dir, 'xep.dtd'),
      [...names].map((n) => `<!ELEMENT ${n} ANY><!ATTLIST ${n} ${ATTRS}>\n`).join(''),
    );
    const ok = check(DRAFT, dir);
    expect(ok.lines).toEqual([STRUCTURE_OK, `xep:check: XSF DTD from ${dir}: ok`]);
    expect(ok.status).toBe(0);

    const file = draftFile(mutate('<p>A mobile operating', '<para>Unknown.</para><p>A mobile'));
    const bad = check(file, dir);
    expect(bad.lines[1]).toBe(
      `xep:check: XSF DTD from ${dir}: FAILED: ${file} is not valid against its xep.dtd (messages above)`,
    );
    expect(bad.stderr).toMatch(/No declaration for element para/);
    expect(bad.status).toBe(1);
  });

  it('makes the renderer and the examples test refuse a draft that fails the schema', () => {
    const [, text] = BROKEN[2] ?? [];
    const specs = findSpecs(ROOT, '');
    expect(describeSpecs(specs)).toBe('structure (own schema); XSF DTD not run (XEPS_DIR unset)');
    expect(() => expandDraft(draftFile(text ?? ''), specs)).toThrow(
      /invalid \(structure \(own schema\); XSF DTD not run \(XEPS_DIR unset\)\):\n.*Did not expect element section2/,
    );
  });
});

if (XEPS_DIR) {
  describe(`xep:check with the XSF's DTD from XEPS_DIR=${XEPS_DIR}`, () => {
    it('passes the draft: our schema, then the XSF DTD', () => {
      const r = check(DRAFT, XEPS_DIR);
      expect(r.lines).toEqual([STRUCTURE_OK, `xep:check: XSF DTD from ${findSpecs(ROOT).dir}: ok`]);
      expect(r.status).toBe(0);
    });

    it('fails a <section2/> directly under <xep/> and an unknown element with the XSF DTD too', () => {
      for (const [, text] of BROKEN.slice(1, 3)) {
        const r = check(draftFile(text), XEPS_DIR);
        expect(r.lines[0]).toMatch(STRUCTURE_FAILED);
        expect(r.lines[1]).toMatch(/^xep:check: XSF DTD from .*: FAILED: /);
        expect(r.stderr).toMatch(/validity error/);
        expect(r.status).toBe(1);
      }
    });

    it("accepts the draft expanded with the XSF's own entities (their <span/> and <note/>)", () => {
      expect(expandDraft(DRAFT, findSpecs(ROOT))).toContain('<note>');
    });
  });
} else {
  describe('xep:check without XEPS_DIR: the XSF DTD is not run, and says so', () => {
    it("runs only our schema and names XEPS_DIR as the way to add the XSF's DTD", () => {
      expect(check(DRAFT).lines).toEqual([STRUCTURE_OK, DTD_NOT_RUN]);
      expect(describeSpecs(findSpecs(ROOT))).toMatch('XSF DTD not run (XEPS_DIR unset)');
    });
  });
}
