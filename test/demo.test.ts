// `xmpp-push-relay demo --once` end to end as a child process, and the prerequisite decision.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { decide, explanation, INSTALL_COMMAND } from '../app/demo/prerequisites.js';
import { processesMatching } from '../harness/servers/proc.js';

const BIN = new URL('../bin/xmpp-push-relay.js', import.meta.url).pathname;

/** Runs the built CLI (`npm test` builds dist/ first); kills it after `timeoutMs`. */
function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('xmpp-push-relay demo --once', () => {
  it('plays the story, prints every push with its latency, and leaves nothing behind', async () => {
    const { code, out } = await runCli(['demo', '--once'], 60_000);
    expect({ code, out }).toMatchObject({ code: 0 });
    for (const step of [
      '✓ romeo logged in to Prosody',
      '✓ romeo enabled push on Prosody (XEP-0357)',
      '✓ romeo went offline',
      '✓ juliet sent romeo a message',
      '✓ mercutio went offline',
      '✓ juliet sent mercutio a message',
      '✓ Siskin found push.localhost: disco#items on localhost',
      '✓ benvolio enabled push on Prosody (XEP-0357) with that node alone',
      '✓ benvolio went offline',
      '✓ juliet sent benvolio a message',
    ]) {
      expect(out).toContain(step);
    }
    expect(out).toMatch(/APNs push → device [0-9a-f]{8}… {2}topic org\.example\.pushdemo/);
    expect(out).toMatch(/FCM push → device \S{8}… {2}priority high/);
    expect(out).toMatch(/✓ The APNs sink received the push \d+ ms after/);
    expect(out).toMatch(/✓ The FCM sink received the push \d+ ms after/);
    // Siskin IM: register-device answered a node and no secret; the push used the Siskin app.
    const title = "APNs, Siskin IM's way (Tigase family): benvolio's iPhone registers";
    expect(out).toContain(title);
    const siskin = out.slice(out.indexOf(title));
    expect(siskin).toMatch(
      /registered with the ad-hoc command register-device\n.*tigase:messenger:apns:1/,
    );
    expect(siskin).toMatch(/APNs push → device [0-9a-f]{8}… {2}topic org\.example\.siskin {2}/);
    expect(siskin).toMatch(
      /✓ The APNs sink received the push \d+ ms after juliet sent her message\n {2}with topic org\.example\.siskin: the config's Siskin IM app/,
    );
    expect(out).toMatch(
      /Done: APNs push in \d+ ms, FCM push in \d+ ms, Siskin IM's APNs push in \d+ ms\./,
    );
    expect(out).toContain('✓ Stopped everything the demo started');

    const folders = [
      out.match(/Temp folder: (\S+)/)?.[1],
      out.match(/Prosody's folder: (\S+)/)?.[1],
    ];
    for (const folder of folders) {
      expect(folder).toMatch(/^\/.*(xpr-demo|prosody-test)-/);
      expect(existsSync(folder as string)).toBe(false);
      expect(processesMatching(folder as string)).toEqual([]);
    }
  }, 90_000);
});

describe('demo prerequisites', () => {
  const facts = { hasProsody: true, hasCloudNotify: true, isRoot: false, isDebian: false };

  it('runs when Prosody and mod_cloud_notify are there, whoever runs it', () => {
    expect(decide(facts)).toBe('ok');
    expect(decide({ ...facts, isRoot: true, isDebian: true })).toBe('ok');
  });

  it('installs with apt-get only as root on Debian', () => {
    expect(decide({ ...facts, hasProsody: false, isRoot: true, isDebian: true })).toBe('install');
    expect(decide({ ...facts, hasCloudNotify: false, isRoot: true, isDebian: true })).toBe(
      'install',
    );
  });

  it('explains otherwise, with the exact install command', () => {
    const missing = { ...facts, hasProsody: false, hasCloudNotify: false };
    expect(decide({ ...missing, isDebian: true })).toBe('explain');
    expect(decide({ ...missing, isRoot: true })).toBe('explain');
    expect(decide(missing)).toBe('explain');
    expect(INSTALL_COMMAND).toBe(
      'apt-get install -y --no-install-recommends prosody prosody-modules',
    );
    expect(explanation({ ...missing, isDebian: true })).toContain(`    sudo ${INSTALL_COMMAND}`);
    expect(explanation({ ...facts, hasCloudNotify: false, isDebian: true })[0]).toContain(
      'prosody-modules',
    );
  });
});
