// The command an admin runs: `xmpp-push-relay check-config` and `start`, as a child process.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FakeApns, startFakeApns } from '../harness/fakes/apns-server.js';
import { type FakeFcm, startFakeFcm } from '../harness/fakes/fcm-server.js';
import type { XmppServer } from '../harness/servers/proc.js';
import { startProsody } from '../harness/servers/prosody.js';
import { writeConfig } from './stack.js';

const BIN = new URL('../bin/xmpp-push-relay.js', import.meta.url).pathname;
const run = promisify(execFile);

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('xmpp-push-relay CLI', () => {
  let dir: string;
  let server: XmppServer;
  let apns: FakeApns;
  let fcm: FakeFcm;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xpr-cli-'));
    [server, apns, fcm] = await Promise.all([
      startProsody({ componentSecret: 'right-secret' }),
      startFakeApns(),
      startFakeFcm(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), apns?.close(), fcm?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints usage and fails without a command', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: xmpp-push-relay');
  });

  it('check-config accepts a good file', async () => {
    const path = writeConfig(
      { componentPort: server.componentPort, componentSecret: 'right-secret', apns, fcm },
      dir,
    );
    expect(await cli('check-config', '--config', path)).toMatchObject({ code: 0 });
  });

  it('check-config lists every problem with its key path and exits non-zero', async () => {
    const path = join(dir, 'bad.toml');
    writeFileSync(
      path,
      '[component]\njid = "push example"\nsecret = "hunter2"\n[apns]\nkey_file = "missing.p8"\nkey_id = "K"\nteam_id = "T"\n',
    );
    const r = await cli('check-config', '--config', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/component\.jid: /);
    expect(r.stderr).toMatch(/apns\.topic: /);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('check-config names every unreadable key file, of every app', async () => {
    const path = join(dir, 'nokey.toml');
    const ids = 'key_id = "ABC123DEFG"\nteam_id = "TEAM123456"\ntopic = "org.example.app"\n';
    writeFileSync(
      path,
      `[component]\njid = "push.localhost"\nsecret = "s"\n[apns]\nkey_file = "missing.p8"\n${ids}
[[apps]]\nname = "beta"\nprovider = "apns"\nkey_file = "beta.p8"\n${ids}
[[apps]]\nname = "gamma"\nprovider = "fcm"\nservice_account_file = "gamma.json"\n`,
    );
    const r = await cli('check-config', '--config', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/3 problem\(s\)/);
    expect(r.stderr).toMatch(/ apns\.key_file: cannot read .*missing\.p8 \(ENOENT\)/);
    expect(r.stderr).toMatch(/ apps\.beta\.key_file: cannot read .*beta\.p8 \(ENOENT\)/);
    expect(r.stderr).toMatch(/ apps\.gamma\.service_account_file: cannot read .*gamma\.json/);
  });

  it('start stops with a clear message when the server refuses the component secret', async () => {
    const sub = join(dir, 'wrong');
    rmSync(sub, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    const path = writeConfig(
      { componentPort: server.componentPort, componentSecret: 'wrong-secret', apns, fcm },
      sub,
    );
    const child = spawn(process.execPath, [BIN, 'start', '--config', path]);
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect(code).toBe(1);
    expect(output).toMatch(/refused the component push\.localhost \(not-authorized\)/);
    expect(output).not.toContain('wrong-secret');
  });
});
