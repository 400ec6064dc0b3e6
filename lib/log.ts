import { type Logger, pino } from 'pino';

export type { Logger };

/** Keys that may hold secrets or device tokens; pino replaces their values wherever they appear. */
const redact = [
  'secret',
  'password',
  'token',
  'deviceToken',
  'key',
  '*.secret',
  '*.password',
  '*.token',
  '*.deviceToken',
  '*.key',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redact, censor: '[redacted]' } }, destination);
}
