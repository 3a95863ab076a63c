import { pino } from 'pino';

// The root logger is built by src/ops/redaction.ts (path redaction + secret-value scrubbing).

/** The project's logger type (pino); injected, never imported as a global. */
export type Logger = pino.Logger;

/** A logger that drops everything (tests, `--json` mode). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
