import { pino } from 'pino';
import type { Logger } from '../core/logger.js';

/** Field names that hold credentials wherever they appear. */
const SECRET_FIELDS = ['token', 'botToken', 'appToken', 'signingSecret', 'apiKey', 'authorization', 'cookie'];

/**
 * pino redact paths for {@link SECRET_FIELDS} up to three levels deep (`config.slack.botToken`).
 * pino's `*` matches one level only, so each depth is listed; the value scrubber below catches
 * whatever hides deeper or inside a string.
 */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((f) => [
  f,
  `*.${f}`,
  `*.*.${f}`,
  `*.*.*.${f}`,
  `headers["${f}"]`,
  `*.headers["${f}"]`,
]);

/**
 * Credential shapes recognised even when config does not know them (a token pasted into an error
 * message, a header echoed by an SDK): Slack tokens, Discord bot tokens, bearer/bot auth values.
 */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /xox[abposre]-[A-Za-z0-9-]{8,}/g,
  /xapp-[A-Za-z0-9-]{8,}/g,
  /[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}/g,
  /\b(Bearer|Bot)\s+[A-Za-z0-9._~+/-]{16,}=*/g,
];

/** Secrets shorter than this are not scrubbed by value: "abc" would censor ordinary words. */
const MIN_SECRET_LENGTH = 8;

/** A pino destination: anything with `write`. */
export interface LineSink {
  write(line: string): unknown;
}

/**
 * Wraps a destination so every line has known secret values and credential shapes replaced by
 * `[redacted]` before it is written: the last line of defence behind pino's path-based redaction.
 */
export function scrubbingDestination(secrets: readonly string[], destination: LineSink): LineSink {
  const values = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return {
    write(line: string) {
      let out = line;
      for (const value of values) out = out.split(value).join('[redacted]');
      for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
      return destination.write(out);
    },
  };
}

/**
 * The root logger with both defences: path redaction and value scrubbing. `secrets` are the values of
 * config's SECRET_PATHS; `destination` defaults to stderr.
 */
export function createRedactingLogger(
  level: string,
  secrets: readonly string[],
  destination: LineSink = pino.destination(2),
): Logger {
  return pino(
    { level, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } },
    scrubbingDestination(secrets, destination),
  );
}
