// The admins' config snippets in docs/, which the private servers' configs are built from.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of the source tree, from harness/servers or from the build in dist/harness/servers. */
export function readRepoFile(rel: string): string {
  for (const up of ['../../', '../../../']) {
    const url = new URL(up + rel, import.meta.url);
    if (fs.existsSync(url)) return fs.readFileSync(url, 'utf8');
  }
  throw new Error(`${rel} not found above ${path.dirname(fileURLToPath(import.meta.url))}`);
}

/**
 * A function replacing the one match of a pattern in text of `snippet`; a snippet that no longer
 * has it exactly once throws.
 */
export function onceReplacer(snippet: string) {
  return (text: string, pattern: RegExp, to: (...groups: string[]) => string): string => {
    const hits = text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;
    if (hits !== 1) throw new Error(`${snippet}: expected ${pattern} once, found it ${hits} times`);
    return text.replace(pattern, (_match, ...groups: string[]) => to(...groups));
  };
}
