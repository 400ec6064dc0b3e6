import { expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { groupCommit } from './group-commit.js';

it('commits the writes of one tick together; a failing one is undone alone', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const { write } = groupCommit(db);
  const seen: boolean[] = [];
  const results = await Promise.allSettled([
    write(() => {
      seen.push(db.inTransaction);
      return insert.run('a', 1).changes;
    }),
    write(() => {
      insert.run('b', 2);
      insert.run('a', 3); // duplicate key: this write fails, and its first row goes too
    }),
    write(() => insert.run('c', 4).changes),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(db.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
    { k: 'a', v: 1 },
    { k: 'c', v: 4 },
  ]);
  // Run in the transaction, and run again when another write of the batch failed.
  expect(seen).toEqual([true, true]);
  expect(db.inTransaction).toBe(false);
  db.close();
});

it('a write that may wait commits with the next write, or alone after its delay', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
  const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
  const count = () => db.prepare('SELECT count(*) AS n FROM t').get();
  const { write, later } = groupCommit(db, 50);
  const commits: string[] = [];
  const lazy = later(() => insert.run('a')).then(() => commits.push('a'));
  await new Promise((r) => setTimeout(r, 10));
  expect(count()).toEqual({ n: 0 });
  await write(() => insert.run('b')).then(() => commits.push('b'));
  await lazy;
  expect(commits).toEqual(['a', 'b']);
  const t0 = Date.now();
  await later(() => insert.run('c'));
  expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  expect(count()).toEqual({ n: 3 });
  db.close();
});
