/**
 * `s` cut so that, written as a JSON string, its content takes at most `maxBytes` bytes of UTF-8
 * (escapes counted as written); cut between code points, so never half a character.
 */
export function cutText(s: string, maxBytes: number): string {
  const written = (t: string) => Buffer.byteLength(JSON.stringify(t)) - 2;
  if (written(s) <= maxBytes) return s;
  let used = 0;
  let end = 0;
  for (const ch of s) {
    const size = written(ch);
    if (used + size > maxBytes) break;
    used += size;
    end += ch.length;
  }
  return s.slice(0, end);
}
