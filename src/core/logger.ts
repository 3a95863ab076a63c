import { pino } from 'pino';

/** The project's logger type (pino); injected, never imported as a global. */
export type Logger = pino.Logger;

/** Config paths and field names whose values must never reach a log line. */
const REDACT = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'apiKey',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.apiKey',
  '*.authorization',
  'headers.authorization',
];

/** Creates the root logger (JSON lines on stderr, secrets redacted). */
export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2));
}

/** A logger that drops everything (tests, `--json` mode). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
