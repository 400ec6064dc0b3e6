// Plain-text output of the demo: one line at a time, no colours, readable without a TTY.

export type Say = (line?: string) => void;

export const say: Say = (line = '') => {
  process.stdout.write(`${line}\n`);
};

/** The first characters of a device token or node, enough to recognise it. */
export function short(value: string, keep = 8): string {
  return value.length <= keep ? value : `${value.slice(0, keep)}…`;
}
