import { expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { groupCommit } from './group-commit.js';

it('commits the writes of one tick together; a failing one is undone alone', async () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const write = groupCommit(db);
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
  expect(seen).toEqual([true]);
  expect(db.inTransaction).toBe(false);
  db.close();
});
