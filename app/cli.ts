import { parseArgs } from 'node:util';
import { AppError, ConfigError } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { CLIENT_USAGE, runClientCommand } from '../relay-client/cli.js';
import { type Config, configWarnings, loadConfig } from './config.js';
import { readProviderFiles } from './providers.js';
import { start } from './start.js';

const USAGE = `Usage: xmpp-push-relay <command> [options]

Server commands:
  start --config FILE          run the push component and the relay (with its HTTP API)
  relay --config FILE          run the relay and its HTTP API alone (no XMPP component)
  check-config --config FILE   validate a configuration file and the files it names

See it work:
  demo [--once]                a private Prosody, this component and local APNs/FCM sinks on
                               127.0.0.1 play a message turning into pushes, then stay up to
                               try with an XMPP client (--once: stop and exit after the story)

Options:
  -c, --config FILE   configuration file (TOML); see config.example.toml
  -h, --help          show this help

${CLIENT_USAGE}`;

const CLIENT_COMMANDS = new Set(['account', 'device', 'token', 'push']);

export async function main(argv: string[]): Promise<number> {
  if (argv[0] && CLIENT_COMMANDS.has(argv[0])) return runClientCommand(argv);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { command, config: configPath, help } = parsed;
  if (help || !command) {
    console.log(USAGE);
    return help ? 0 : 2;
  }
  if (command === 'demo') {
    const { runDemo } = await import('./demo/index.js');
    return runDemo({ once: parsed.once });
  }
  if (!['start', 'relay', 'check-config'].includes(command)) {
    console.error(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  if (!configPath) {
    console.error(`${command} needs --config FILE\n\n${USAGE}`);
    return 2;
  }
  try {
    const config = loadConfig(configPath);
    readProviderFiles(config);
    if (command === 'check-config') {
      for (const w of configWarnings(config)) console.log(`${configPath}: warning: ${w}`);
      console.log(`${configPath}: OK`);
      return 0;
    }
    return await run(config, command === 'relay' ? 'relay' : 'start');
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${configPath}: ${err.problems.length} problem(s)`);
      for (const p of err.problems) console.error(`  ${p}`);
      return 1;
    }
    if (err instanceof AppError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      once: { type: 'boolean' },
    },
  });
  return {
    command: positionals[0],
    config: values.config,
    help: values.help,
    once: values.once ?? false,
  };
}

async function run(config: Config, mode: 'start' | 'relay'): Promise<number> {
  const log = createLogger(config.log.level);
  const running = await start(config, log, { mode });
  return new Promise<number>((resolve) => {
    const stop = async (code: number) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await running.stop();
      resolve(code);
    };
    const onSignal = (signal: string) => {
      log.info({ signal }, 'stopping');
      void stop(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    running.component?.once('fatal', (err) => {
      console.error(err.message);
      void stop(1);
    });
  });
}
