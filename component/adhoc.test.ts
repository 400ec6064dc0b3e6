import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { xml } from '@xmpp/component';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { adhocRoute, type Command, MAX_SESSIONS_PER_JID } from './adhoc.js';
import { call } from './test-kit.js';

const ROMEO = 'romeo@localhost/phone';

/** A command with one field that records what it ran with. */
function echo(runs: string[]): Command {
  return {
    node: 'echo',
    name: 'Echo',
    fields: [{ var: 'text', type: 'text-single', label: 'Text', required: true }],
    async run(from, form) {
      runs.push(`${from}: ${form.get('text')?.[0]}`);
      return xml('note', { type: 'info' }, 'done');
    },
  };
}

const execute = (extra = '') =>
  `<command xmlns='http://jabber.org/protocol/commands' node='echo' ${extra}/>`;
const complete = (sessionid: string, text = 'hi') =>
  `<command xmlns='http://jabber.org/protocol/commands' node='echo' sessionid='${sessionid}'
     action='complete'><x xmlns='jabber:x:data' type='submit'>
     <field var='text'><value>${text}</value></field></x></command>`;

describe('ad-hoc sessions in the store', () => {
  let dir: string;
  const stores: Store[] = [];
  const open = () => {
    const s = openSqliteStore(dir);
    stores.push(s);
    return s;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpr-adhoc-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a session opened before a restart is completed after it, once', async () => {
    const runs: string[] = [];
    const before = open();
    const first = await call(adhocRoute([echo(runs)], before.sessions).route, ROMEO, execute());
    expect(first.result?.attrs.status).toBe('executing');
    const sessionid = first.result?.attrs.sessionid as string;
    await before.close();

    const after = adhocRoute([echo(runs)], open().sessions).route;
    const done = await call(after, ROMEO, complete(sessionid));
    expect(done.result?.attrs).toMatchObject({ status: 'completed', sessionid });
    expect(runs).toEqual([`${ROMEO}: hi`]);
    expect(await call(after, ROMEO, complete(sessionid))).toMatchObject({
      error: 'bad-request',
      text: 'unknown or expired session',
    });
    expect(runs).toHaveLength(1);
  });

  it('only the full JID that opened a session completes it', async () => {
    const runs: string[] = [];
    const route = adhocRoute([echo(runs)], open().sessions).route;
    const sessionid = (await call(route, ROMEO, execute())).result?.attrs.sessionid as string;
    expect(await call(route, 'romeo@localhost/laptop', complete(sessionid))).toMatchObject({
      error: 'bad-request',
    });
    expect(runs).toEqual([]);
  });

  it(`refuses a flood of sessions: at most ${MAX_SESSIONS_PER_JID} open per bare JID`, async () => {
    const runs: string[] = [];
    const route = adhocRoute([echo(runs)], open().sessions).route;
    const ids: string[] = [];
    for (let i = 0; i < MAX_SESSIONS_PER_JID; i++) {
      ids.push((await call(route, `romeo@localhost/r${i}`, execute())).result?.attrs.sessionid);
    }
    const refused = await call(route, ROMEO, execute());
    expect(refused).toMatchObject({ error: 'resource-constraint', type: 'wait' });
    expect(refused.text).toMatch(/^too many open command sessions/);
    // Others are not affected, and finishing one makes room.
    expect((await call(route, 'juliet@localhost/x', execute())).result?.attrs.status).toBe(
      'executing',
    );
    await call(route, 'romeo@localhost/r0', complete(ids[0] as string));
    expect(runs).toEqual(['romeo@localhost/r0: hi']);
    expect((await call(route, ROMEO, execute())).result?.attrs.status).toBe('executing');
  });
});
