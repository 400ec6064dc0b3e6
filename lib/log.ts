import { type Logger, pino } from 'pino';

export type { Logger };

/** Keys that may hold secrets or device tokens; pino replaces their values wherever they appear. */
const redact = [
  'secret',
  'password',
  'token',
  'deviceToken',
  'key',
  'sentinel_password',
  'sentinelPassword',
  '*.secret',
  '*.password',
  '*.token',
  '*.deviceToken',
  '*.key',
  '*.sentinel_password',
  '*.sentinelPassword',
];

/**
 * Errors as pino writes them, without what a failed command carried: ioredis puts the command
 * and all its arguments (device tokens, relay tokens, message text) on its errors.
 */
function err(e: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(e) as unknown as Record<string, unknown>;
  delete out.command;
  delete out.args;
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redact, censor: '[redacted]' }, serializers: { err } },
    destination,
  );
}
