// Group commit: the writes issued during one tick of the event loop share one transaction, and
// each caller hears back only after that commit. One commit costs about as much as many rows,
// so under load the cost per write falls with the batch; a write alone waits one tick. A write
// that may wait (`later`) joins the next commit, or commits on its own after `laterMs`: at low
// load it rides along with another write instead of paying for a commit.
import type { Database } from 'better-sqlite3';

export type Write = <T>(statements: () => T) => Promise<T>;

export interface GroupCommit {
  write: Write;
  /** As `write`, committed with the next write or within `laterMs`. */
  later: Write;
  /** Commits what waits now (before closing). */
  flush(): void;
}

type Pending = {
  statements: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
};

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

export function groupCommit(db: Database, laterMs = 0): GroupCommit {
  let batch: Pending[] = [];
  let soon = false;
  let timer: NodeJS.Timeout | undefined;
  // A write that fails is rolled back alone; the others in the batch still commit. A savepoint
  // per write costs about ten times the write, so a batch runs without them first, and only if
  // a write fails does it run again with each write in its own savepoint (`statements` are SQL
  // only: running them twice is harmless).
  const runFast = db.transaction((items: Pending[]): unknown[] => items.map((p) => p.statements()));
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
    soon = false;
    clearTimeout(timer);
    timer = undefined;
    const items = batch;
    if (items.length === 0) return;
    batch = [];
    try {
      const values = runFast.immediate(items);
      for (const [i, p] of items.entries()) p.resolve(values[i]);
      return;
    } catch {
      // One of them failed, and the whole batch was undone: again, each write alone.
    }
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
  const add =
    (wait: boolean): Write =>
    <T>(statements: () => T) =>
      new Promise<T>((resolve, reject) => {
        batch.push({ statements, resolve: resolve as (v: unknown) => void, reject });
        if (soon) return;
        if (!wait) {
          soon = true;
          setImmediate(flush);
        } else if (!timer) timer = setTimeout(flush, laterMs);
      });
  return { write: add(false), later: add(true), flush };
}
