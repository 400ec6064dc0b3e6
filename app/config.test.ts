import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../lib/errors.js';
import { DEFAULT_QUOTAS, quotaLimits } from '../relay/quotas.js';
import { configWarnings, parseConfig } from './config.js';

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
    expect(c.apps).toEqual([]);
    expect(quotaLimits(c.quotas)).toEqual(DEFAULT_QUOTAS);
  });

  it('takes quotas as positive whole numbers', () => {
    const c = parseConfig(`${minimal}[quotas]\ndevices_per_account = 5\n`, '/etc/xpr', {});
    expect(quotaLimits(c.quotas)).toEqual({ ...DEFAULT_QUOTAS, devicesPerAccount: 5 });
    expect(problems(`${minimal}[quotas]\nregistrations_per_user = 0\n`)).toEqual([
      'quotas.registrations_per_user: Too small: expected number to be >=1',
    ]);
  });

  it('accepts config.example.toml once its placeholder secret is replaced, with paths relative to the file', () => {
    const text = readFileSync(new URL('../config.example.toml', import.meta.url), 'utf8');
    expect(problems(text)).toEqual([
      'component.secret: "change-me" is the example\'s placeholder: set the secret the XMPP server has for this component',
    ]);
    const c = parseConfig(text.replace('"change-me"', '"s3cret-of-my-own"'), '/etc/xpr', {});
    expect(c.apps).toEqual([
      expect.objectContaining({
        name: 'apns',
        provider: 'apns',
        default: true,
        key_file: '/etc/xpr/AuthKey_ABC123DEFG.p8',
      }),
      expect.objectContaining({
        name: 'fcm',
        provider: 'fcm',
        default: true,
        service_account_file: '/etc/xpr/service-account.json',
      }),
    ]);
  });

  it('takes Redis sentinels instead of a url, not both', () => {
    const c = parseConfig(
      `${minimal}[store]\nsentinels = ["10.0.0.1:26379", "10.0.0.2:26379"]\nmin_replicas = 1\n`,
      '/etc/xpr',
      {},
    );
    expect(c.store).toMatchObject({
      sentinels: ['10.0.0.1:26379', '10.0.0.2:26379'],
      sentinel_name: 'mymaster',
      min_replicas: 1,
      min_replicas_timeout_ms: 1000,
    });
    expect(
      problems(`${minimal}[store]\nurl = "redis://h"\nsentinels = ["10.0.0.1:26379"]\n`),
    ).toEqual(['store: url and sentinels: give one of them, not both']);
    expect(problems(`${minimal}[store]\nsentinels = ["10.0.0.1"]\n`)).toEqual([
      'store.sentinels.0: expected "host:port"',
    ]);
  });

  const apnsApp = (name: string, more = '') =>
    `[[apps]]\nname = "${name}"\nprovider = "apns"\nkey_file = "k.p8"\nkey_id = "ABC123DEFG"\nteam_id = "TEAM123456"\ntopic = "org.example.${name}"\n${more}`;
  const fcmApp = (name: string, more = '') =>
    `[[apps]]\nname = "${name}"\nprovider = "fcm"\nservice_account_file = "sa.json"\n${more}`;

  it('takes many apps, each with its credentials; the only app of a provider is its default', () => {
    const c = parseConfig(
      minimal +
        apnsApp('siskin', 'environment = "both"\nvoip_topic = "org.example.siskin.voip"\n') +
        apnsApp('monal', 'default = true\nstateless = true\npush_module = "monalProdiOS"\n') +
        fcmApp('conversations', 'tigase_providers = ["eu.example:fcm"]\n'),
      '/etc/xpr',
      {},
    );
    expect(c.apps.map((a) => [a.name, a.provider, a.default])).toEqual([
      ['siskin', 'apns', false],
      ['monal', 'apns', true],
      ['conversations', 'fcm', true],
    ]);
    expect(c.apps[0]).toMatchObject({ environment: 'both', key_file: '/etc/xpr/k.p8' });
  });

  it('keeps [apns] and [fcm] as the default apps next to [[apps]], unless one says default', () => {
    const legacy = `[apns]\nkey_file = "k.p8"\nkey_id = "ABC123DEFG"\nteam_id = "TEAM123456"\ntopic = "org.example.app"\n`;
    const c = parseConfig(minimal + legacy + apnsApp('other'), '/etc/xpr', {});
    expect(c.apps.map((a) => [a.name, a.default])).toEqual([
      ['apns', true],
      ['other', false],
    ]);
    const d = parseConfig(minimal + legacy + apnsApp('other', 'default = true\n'), '/', {});
    expect(d.apps.map((a) => [a.name, a.default])).toEqual([
      ['apns', false],
      ['other', true],
    ]);
  });

  it('refuses a [[relays]] URL over plain http unless allow_http says so', () => {
    const relay = (more: string) =>
      `${minimal}[[relays]]\nname = "other"\nurl = "http://10.0.0.2:8080/"\n${more}`;
    expect(problems(relay(''))).toEqual([
      'relays.0: url: http:// sends whitelist tokens in clear; use https://, or set allow_http = true (a relay on this machine or a private network)',
    ]);
    expect(parseConfig(relay('allow_http = true\n'), '/etc/xpr', {}).relays).toHaveLength(1);
  });

  it('warns when a provider has apps and none is its default', () => {
    const two = minimal + apnsApp('a') + apnsApp('b') + fcmApp('c');
    expect(configWarnings(parseConfig(two, '/etc/xpr', {}))).toEqual([
      'apps: several APNs apps and none says default = true: registrations must name their app, and devices registered before [[apps]] get no pushes',
    ]);
    const chosen = minimal + apnsApp('a', 'default = true\n') + apnsApp('b');
    expect(configWarnings(parseConfig(chosen, '/etc/xpr', {}))).toEqual([]);
  });

  it('refuses apps that cannot be told apart, and ids that are not Apple ids', () => {
    expect(problems(minimal + apnsApp('a') + apnsApp('a'))).toEqual([
      'apps: the name "a" is used twice',
    ]);
    expect(
      problems(minimal + apnsApp('a', 'default = true\n') + apnsApp('b', 'default = true\n')),
    ).toEqual(['apps: a and b both say default = true']);
    expect(
      problems(
        minimal +
          fcmApp('a', 'tigase_providers = ["x"]\n') +
          fcmApp('b', 'tigase_providers = ["x"]\n'),
      ),
    ).toEqual(['apps: the Tigase provider "x" is used twice']);
    expect(
      problems(minimal + apnsApp('a', 'push_module = "m"\n') + apnsApp('b', 'push_module = "m"\n')),
    ).toEqual(['apps: the pushModule "m" is used twice']);
    expect(problems(minimal + apnsApp('a').replace('ABC123DEFG', 'abc'))).toEqual([
      expect.stringMatching(/^apps\.0\.key_id: expected the 10-character key id/),
    ]);
    expect(problems(minimal + apnsApp('a', 'sandbox_endpoint = "https://x"\n'))).toEqual([
      'apps.a: sandbox_endpoint needs environment = "both"',
    ]);
    expect(problems(minimal + apnsApp('a', 'voip_topic = "org.example.a"\n'))).toEqual([
      expect.stringMatching(/^apps\.0\.voip_topic: expected "<bundle id>\.voip"/),
    ]);
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

  it('refuses the placeholder secret from any source, and an empty one', () => {
    const noSecret = '[component]\njid = "push.example.org"\n';
    expect(problems(noSecret, { XMPP_PUSH_RELAY_SECRET: 'change-me' })[0]).toMatch(/placeholder/);
    expect(problems(`${noSecret}secret = ""\n`)[0]).toMatch(/^component\.secret: /);
    expect(problems(noSecret, { XMPP_PUSH_RELAY_SECRET: '' })).toEqual([
      expect.stringMatching(/^component\.secret: required/),
    ]);
  });

  it('never puts the secret in an error message', () => {
    const p = problems(`[component]\njid = "push.example.org"\nsecret = "hunter2"\nserver = 5\n`);
    expect(p.join('\n')).not.toContain('hunter2');
  });
});
