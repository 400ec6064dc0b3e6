// `xmpp-push-relay account|device|token|push`: the relay client on the command line.
import { parseArgs } from 'node:util';
import { COMMANDS, type Command, UsageError, type Values } from './cli-commands.js';
import { createRelayClient, type RelayClient } from './client.js';
import {
  RelayAuthError,
  RelayClientError,
  RelayHttpError,
  RelayNetworkError,
  RelayNotFoundError,
  RelayRateLimitError,
  RelayTimeoutError,
  RelayValidationError,
} from './errors.js';

const BIN = 'xmpp-push-relay';

export const CLIENT_USAGE = `Relay client commands (each takes --relay URL, and --json to print JSON for scripts):
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(16)} ${c.key ? '--key K ' : ''}${c.usage}`.trimEnd())
  .join('\n')}

  --relay defaults to $XMPP_PUSH_RELAY_URL, --key (the API key that account create prints) to
  $XMPP_PUSH_RELAY_KEY, --password to $XMPP_PUSH_RELAY_PASSWORD.`;

export interface ClientIo {
  /** One line or block of normal output (no trailing newline needed). */
  out: (s: string) => void;
  /** Errors and usage. */
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
}

const consoleIo: ClientIo = { out: (s) => console.log(s), err: (s) => console.error(s) };

/** Runs `account create …` and the like (argv without the binary); resolves to the exit code. */
export async function runClientCommand(argv: string[], io: ClientIo = consoleIo): Promise<number> {
  const env = io.env ?? process.env;
  const group = argv[0] ?? '';
  const name = group === 'push' ? group : `${group} ${argv[1] ?? ''}`.trim();
  const command = COMMANDS[name];
  const rest = argv.slice(name.split(' ').length);
  if (!command) {
    const lines = Object.entries(COMMANDS).filter(([n]) => n.startsWith(`${group} `));
    const help = lines.map(([n, c]) => `Usage: ${commandLine(n, c)}`).join('\n');
    if (lines.length > 0 && (argv.includes('--help') || argv.includes('-h'))) {
      io.out(help);
      return 0;
    }
    const what = argv[1]
      ? `unknown command: ${BIN} ${group} ${argv[1]}`
      : `${BIN} ${group} needs a command`;
    io.err(`${what}\n\n${lines.length > 0 ? help : CLIENT_USAGE}`);
    return 2;
  }
  const usage = `Usage: ${commandLine(name, command)}`;
  let values: Values;
  let positionals: string[];
  let client: RelayClient;
  try {
    ({ values, positionals } = parse(command, rest));
    if (values.help) {
      io.out(usage);
      return 0;
    }
    values.relay ??= nonEmpty(env.XMPP_PUSH_RELAY_URL);
    values.key ??= nonEmpty(env.XMPP_PUSH_RELAY_KEY);
    if (command.options.includes('password')) {
      values.password ??= nonEmpty(env.XMPP_PUSH_RELAY_PASSWORD);
    }
    const missing = [
      ...(values.relay ? [] : ['--relay URL (or XMPP_PUSH_RELAY_URL)']),
      ...(command.key && !values.key ? ['--key K (or XMPP_PUSH_RELAY_KEY)'] : []),
      ...command.required.filter((o) => !values[o]).map((o) => `--${o}`),
      ...(command.positional && positionals.length === 0 ? [command.positional] : []),
    ];
    if (missing.length > 0) throw new UsageError(`${name} needs ${missing.join(', ')}`);
    client = makeClient(values.relay as string, command.key ? values.key : undefined);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`${err.message}\n${usage}`);
    return 2;
  }
  try {
    const result = await command.run(client, values, positionals);
    io.out(values.json ? JSON.stringify(result.json, null, 2) : result.human);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n${usage}`);
      return 2;
    }
    io.err(explain(err, command));
    return 1;
  }
}

function commandLine(name: string, c: Command): string {
  const key = c.key ? ' --key K' : '';
  return `${BIN} ${name} --relay URL${key}${c.usage ? ` ${c.usage}` : ''} [--json]`;
}

function parse(command: Command, args: string[]) {
  const options = Object.fromEntries(
    ['relay', 'key', ...command.options].map((o) => [o, { type: 'string' as const }]),
  );
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positional !== undefined,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    return { values: values as Values & { json?: boolean; help?: boolean }, positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

function makeClient(relay: string, apiKey: string | undefined): RelayClient {
  try {
    return createRelayClient({ baseUrl: relay, apiKey, userAgent: `${BIN}-cli` });
  } catch (err) {
    if (err instanceof RelayClientError) throw new UsageError(`--relay: ${err.message}`);
    throw err;
  }
}

const nonEmpty = (s: string | undefined) => (s ? s : undefined);

/** One clear sentence for an error; never the API key or a token (the client keeps them out). */
export function explain(err: unknown, command: Pick<Command, 'notFound' | 'unauthorized'>): string {
  const bare = (s: string) => s.replace(/\.$/, '');
  if (err instanceof RelayNotFoundError)
    return command.notFound ?? `Not found (${bare(err.detail)}).`;
  if (err instanceof RelayAuthError) {
    if (err.status === 403) return `The relay does not allow this (${bare(err.detail)}).`;
    return command.unauthorized ?? `The relay refused the API key (${bare(err.detail)}).`;
  }
  if (err instanceof RelayRateLimitError) {
    const ms = err.retryAfterMs;
    return ms === undefined
      ? 'Rate limited: retry later.'
      : `Rate limited: retry in ${Math.ceil(ms / 1000)} s.`;
  }
  if (err instanceof RelayValidationError)
    return `The relay refused the request: ${bare(err.detail)}.`;
  if (err instanceof RelayHttpError) {
    const later =
      err.retryAfterMs === undefined ? '' : ` Retry in ${Math.ceil(err.retryAfterMs / 1000)} s.`;
    return `The relay answered ${err.status} (${bare(err.detail)}).${later}`;
  }
  if (err instanceof RelayTimeoutError) {
    return `The relay did not answer within ${err.timeoutMs / 1000} s.`;
  }
  if (err instanceof RelayNetworkError) {
    const why = err.message.replace(/^\S+ \S+: /, '');
    return `${why.charAt(0).toUpperCase()}${why.slice(1)}.`;
  }
  if (err instanceof RelayClientError) return `${err.message}.`;
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}
