// Renders the XEP draft (XSF format, xep.dtd) to one self-contained HTML page:
// `node dist/xep-draft/render.js [--out FILE] [--in FILE] [--specs DIR]`; see xep-draft/README.md.
// Here: finding the specs, checking and expanding a draft with xmllint, and the command line; the
// page itself is html.ts's `renderHtml`.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { renderHtml } from './html.js';

export { renderHtml };

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
