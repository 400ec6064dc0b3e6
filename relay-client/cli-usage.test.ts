// The relay client's CLI usage: exit 2 with a usage line for bad arguments, 0 for --help.
import { describe, expect, it } from '@jest/globals';
import { CLIENT_USAGE, runClientCommand } from './cli.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClientCommand(args, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: {},
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const relay = ['--relay', 'http://127.0.0.1:9'];

describe('xmpp-push-relay client usage', () => {
  it('exits 2 with a usage line for usage errors, 0 for --help', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['device', 'list', ...relay],
        /^device list needs --key K \(or XMPP_PUSH_RELAY_KEY\)\nUsage: xmpp-push-relay device list --relay URL --key K/,
      ],
      [['push', '--token', 't'], /^push needs --relay URL/],
      [['account', 'create', ...relay, '--username', 'x'], /^account create needs --password\n/],
      [
        ['device', 'add', ...relay, '--key', 'k', '--provider', 'hms', '--token', 't'],
        /^--provider must be apns or fcm\n/,
      ],
      [
        ['account', 'delete', ...relay, '--key', 'k', '--id', 'three'],
        /^--id must be a whole number\n/,
      ],
      [
        ['push', ...relay, '--token', 't', '--priority', 'urgent'],
        /^--priority must be high or low\n/,
      ],
      [['token', 'revoke', ...relay, '--key', 'k'], /^token revoke needs TOKEN_OR_ID\n/],
      [['token', 'list', ...relay, '--key', 'k', '--bogus'], /Unknown option '--bogus'/],
      [
        ['push', '--relay', 'gopher://x', '--token', 't'],
        /^--relay: the relay URL must start with http/,
      ],
      [
        ['token', 'frob'],
        /^unknown command: xmpp-push-relay token frob\n\nUsage: xmpp-push-relay token create/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 2, out: '' });
      expect(r.err).toMatch(message);
    }
    expect(await cli(['token', 'revoke', '--help'])).toEqual({
      code: 0,
      out: 'Usage: xmpp-push-relay token revoke --relay URL --key K TOKEN_OR_ID [--json]',
      err: '',
    });
    expect((await cli(['device', '-h'])).out).toMatch(
      /^Usage: xmpp-push-relay device add .*\nUsage: xmpp-push-relay device list/,
    );
    expect(CLIENT_USAGE).toMatch(
      /^ {2}push {13}--token T \[--data TEXT\] \[--priority high\|low\]$/m,
    );
    for (const line of CLIENT_USAGE.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});
