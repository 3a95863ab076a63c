import type { Platform } from '../message.js';

/** Where a received turn stands. `done` and `failed` are final. */
export type JournalState = 'received' | 'running' | 'done' | 'failed';

/** A JSON value: what an adapter stores to find a turn's message and reply place again. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One received turn as the journal keeps it. */
export interface JournalEntry {
  /** The platform's unique id of the inbound event (e.g. `discord:msg:123`). */
  readonly key: string;
  readonly platform: Platform;
  /** Adapter data to replay the turn after a restart (ids, never tokens or secrets). */
  readonly route: JsonValue;
  readonly state: JournalState;
  /** Attempts started so far; an attempt that was running when the process died counts. */
  readonly attempts: number;
  readonly receivedAt: number;
}

/**
 * A durable record of every turn the bot accepted, written before any work starts, so a crash (kill -9)
 * loses nothing: on restart the adapter replays what is unfinished. It also makes delivery idempotent: a
 * platform's redelivery of an event it already recorded is recognised and dropped.
 */
export interface TurnJournal {
  /** Records a newly received turn; false when the key is already known (a redelivery). */
  record(entry: { key: string; platform: Platform; route: JsonValue; receivedAt: number }): Promise<boolean>;
  /** Replaces a turn's route (the adapter adds what it posted, to tidy it up if the turn is retried). */
  update(key: string, route: JsonValue): Promise<void>;
  /** Marks an attempt as started and returns its number (1-based). */
  start(key: string): Promise<number>;
  /** Final state: the answer was delivered (`done`) or the turn was given up (`failed`). */
  finish(key: string, state: 'done' | 'failed'): Promise<void>;
  /** Puts a running turn back as received, not counting the attempt (graceful shutdown). */
  suspend(key: string): Promise<void>;
  /**
   * Takes an unfinished turn for this process to recover. False when the turn is finished (or unknown),
   * or when another live process holds it (it recorded, claimed or started it and has not let go):
   * with several frontends on one journal, each unfinished turn is resumed by one of them only.
   * Recording, starting and claiming hold a turn; finishing and suspending let it go.
   */
  claim(key: string): Promise<boolean>;
  /** Unfinished turns of a platform, oldest first (including those other live processes hold). */
  unfinished(platform: Platform): Promise<JournalEntry[]>;
  /** Forgets finished turns received before `before` (ms since epoch); returns how many. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
