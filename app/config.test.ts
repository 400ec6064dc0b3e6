import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../lib/errors.js';
import { parseConfig } from './config.js';

const minimal = `[component]\njid = "push.example.org"\nsecret = "s3cret"\n`;

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, '/etc/xpr', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('fills safe defaults', () => {
    const c = parseConfig(minimal, '/etc/xpr', {});
    expect(c.component?.server).toBe('127.0.0.1:5347');
    expect(c.push).toMatchObject({ include_body: false, include_sender: false });
    expect(c.store.path).toBe('/var/lib/xmpp-push-relay');
    expect(c.apns).toBeUndefined();
  });

  it('accepts config.example.toml as shipped, with paths relative to the file', () => {
    const text = readFileSync(new URL('../config.example.toml', import.meta.url), 'utf8');
    const c = parseConfig(text, '/etc/xpr', {});
    expect(c.apns?.key_file).toBe('/etc/xpr/AuthKey_ABC123DEFG.p8');
    expect(c.fcm?.service_account_file).toBe('/etc/xpr/service-account.json');
  });

  it('names the key path of every problem', () => {
    const text = `[component]\njid = "bad domain"\nserver = "nope"\nsecret = "x"\nextra = 1\n[apns]\nkey_id = "k"\n`;
    const p = problems(text);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^component\.jid: /),
        expect.stringMatching(/^component\.server: /),
        expect.stringMatching(/^component: .*extra/),
        expect.stringMatching(/^apns\.key_file: /),
        expect.stringMatching(/^apns\.topic: /),
      ]),
    );
  });

  it('reports TOML syntax errors', () => {
    expect(problems('[component\n')[0]).toMatch(/^TOML syntax/);
  });

  it('takes the secret from exactly one of secret, secret_file and the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xpr-'));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    const noSecret = '[component]\njid = "push.example.org"\n';
    expect(parseConfig(`${noSecret}secret_file = "secret"\n`, dir, {}).component?.secret).toBe(
      'from-file',
    );
    expect(
      parseConfig(noSecret, dir, { XMPP_PUSH_RELAY_SECRET: 'from-env' }).component?.secret,
    ).toBe('from-env');
    expect(problems(noSecret)).toEqual([expect.stringMatching(/^component\.secret: required/)]);
    expect(problems(minimal, { XMPP_PUSH_RELAY_SECRET: 'x' })).toEqual([
      expect.stringMatching(/only one/),
    ]);
  });

  it('never puts the secret in an error message', () => {
    const p = problems(`[component]\njid = "push.example.org"\nsecret = "hunter2"\nserver = 5\n`);
    expect(p.join('\n')).not.toContain('hunter2');
  });
});
