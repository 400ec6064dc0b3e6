// Every MUST and MUST NOT of the draft (xep-draft/push-relay.xml) has a test that names it: a
// test title somewhere in the repository holds the requirement's words.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';
import { findRepoRoot } from '../xep-draft/render.js';

const ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** "MUST NOT revoke the token", … : each requirement up to the end of its clause. */
function requirements(): string[] {
  const xml = readFileSync(join(ROOT, 'xep-draft/push-relay.xml'), 'utf8');
  const prose = xml
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&apos;|&#39;/g, "'")
    .replace(/\s+/g, ' ');
  return [...new Set([...prose.matchAll(/\bMUST(?: NOT)?\b[^,.;:]*/g)].map((m) => m[0].trim()))];
}

/** The titles of every test in the repository's test files. */
function titles(): string[] {
  const files = readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.test.ts') && !f.startsWith('node_modules') && !f.startsWith('dist'),
  );
  return files.flatMap((f) =>
    [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)].map(
      (m) => (m[2] ?? '').replace(/\\(.)/g, '$1'),
    ),
  );
}

it('finds the requirements of the draft', () => {
  expect(requirements()).toEqual(
    expect.arrayContaining([
      'MUST NOT revoke the token',
      'MUST NOT contact a URL found in a stanza',
    ]),
  );
});

it('has a test named after each MUST of the draft', () => {
  const all = titles();
  const untested = requirements().filter((r) => !all.some((t) => t.includes(r)));
  expect(untested).toEqual([]);
});
