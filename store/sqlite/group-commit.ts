// Group commit: the writes issued during one tick of the event loop share one transaction, and
// each caller hears back only after that commit. One commit costs about as much as many rows,
// so under load the cost per write falls with the batch; a write alone waits one tick.
import type { Database } from 'better-sqlite3';

export type Write = <T>(statements: () => T) => Promise<T>;

type Pending = {
  statements: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
};

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

export function groupCommit(db: Database): Write {
  let batch: Pending[] = [];
  // A write that fails is rolled back alone (SQLite undoes the failed statement; a write made
  // of several runs in its own savepoint); the others in the batch still commit.
  const runAll = db.transaction((items: Pending[]): Outcome[] =>
    items.map((p) => {
      try {
        return { ok: true, value: db.transaction(p.statements)() };
      } catch (err) {
        return { ok: false, err };
      }
    }),
  );
  const flush = (): void => {
    const items = batch;
    batch = [];
    let outcomes: Outcome[];
    try {
      outcomes = runAll.immediate(items);
    } catch (err) {
      for (const p of items) p.reject(err);
      return;
    }
    for (const [i, p] of items.entries()) {
      const o = outcomes[i] as Outcome;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.err);
    }
  };
  return <T>(statements: () => T) =>
    new Promise<T>((resolve, reject) => {
      batch.push({ statements, resolve: resolve as (v: unknown) => void, reject });
      if (batch.length === 1) setImmediate(flush);
    });
}
