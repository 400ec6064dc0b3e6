// Client addresses as rate limits count them: one IPv4 address, or one IPv6 /64 (what one
// subscriber usually gets: counting single IPv6 addresses would let one client use 2^64).
import { isIPv6 } from 'node:net';

/** Expands an IPv6 address to its eight groups (no `::`). */
function groups(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t];
}

export function addressKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const g = groups(ip.split('%')[0] ?? ip).map((x) => Number.parseInt(x, 16).toString(16));
  return `${g.slice(0, 4).join(':')}::/64`;
}
