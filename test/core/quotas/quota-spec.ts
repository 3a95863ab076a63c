import { describe, expect, it } from 'vitest';
import type { Result } from '../../../src/core/errors.js';
import type { JobKind, JobOwner } from '../../../src/core/jobs/job.js';
import type { MaybePromise, QuotaLimits, QuotaUsage } from '../../../src/core/quotas/quotas.js';

/**
 * One behaviour for every Quotas implementation: a table of scenarios, each played through two
 * "frontends" on one clock. The in-memory implementation passes one instance twice (one process); the
 * Redis one passes two instances on separate connections, which must answer exactly the same.
 */

/** A ticket as both implementations give it: Redis's writes can be awaited, memory's are done at once. */
export interface SpecTicket {
  charge(seconds: number, kind: JobKind): void | Promise<void>;
  release(): void | Promise<void>;
}

/** The Quotas contract, with tickets whose writes the spec waits on before the next step. */
export interface SpecQuotas {
  admit(owner: JobOwner): MaybePromise<Result<SpecTicket>>;
  usage(owner: JobOwner): MaybePromise<QuotaUsage>;
}

/** Builds the two frontends of one scenario; `now` is the scenario's clock (epoch ms). */
export type MakeFrontends = (
  limits: Partial<QuotaLimits>,
  now: () => number,
) => Promise<{ readonly a: SpecQuotas; readonly b: SpecQuotas }>;

/** The scenarios' epoch. */
export const T0 = Date.parse('2025-01-01T00:00:00Z');
const HOUR = 60 * 60_000;

const ada: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'ada' };
const bob: JobOwner = { platform: 'discord', workspaceId: 'g1', userId: 'bob' };
const adaDm: JobOwner = { platform: 'discord', userId: 'ada' };
const slackAda: JobOwner = { platform: 'slack', workspaceId: 'T1', userId: 'ada' };

type Via = 'a' | 'b';
/** What a refusal carries in `details`. */
type Refusal = Readonly<Record<string, string | number>>;
type Step =
  /** Moves the clock to T0 + `clock`. */
  | { readonly clock: number }
  /** Admits (must succeed), charges, releases. */
  | { readonly via: Via; readonly spend: JobOwner; readonly seconds: number }
  /** Admits and checks the answer; a ticket is kept under `hold` for a later release. */
  | { readonly via: Via; readonly admit: JobOwner; readonly expect: 'ok' | Refusal; readonly hold?: string }
  | { readonly release: string }
  | { readonly via: Via; readonly usage: JobOwner; readonly expect: QuotaUsage };

interface Scenario {
  readonly name: string;
  readonly limits: Partial<QuotaLimits>;
  readonly steps: readonly Step[];
}

/** The shared behaviour, one row per rule. */
export const QUOTA_SCENARIOS: readonly Scenario[] = [
  {
    name: 'refuses a user over budget with the reset time, and admits again exactly then',
    limits: { windowMs: HOUR, userComputeSeconds: 60 },
    steps: [
      { via: 'a', spend: ada, seconds: 60 },
      {
        via: 'b',
        admit: ada,
        expect: { scope: 'user', limit: 60, used: 60, resetAt: T0 + HOUR, retryAfterSeconds: 3600 },
      },
      { clock: HOUR - 1 },
      { via: 'a', admit: ada, expect: { scope: 'user', resetAt: T0 + HOUR, retryAfterSeconds: 1 } },
      { clock: HOUR },
      { via: 'b', admit: ada, expect: 'ok' },
    ],
  },
  {
    name: 'is a rolling window: charges leave one by one, not all at the top of the hour',
    limits: { windowMs: HOUR, userComputeSeconds: 60 },
    steps: [
      { via: 'a', spend: ada, seconds: 30 },
      { clock: HOUR / 2 },
      { via: 'b', spend: ada, seconds: 30 },
      {
        via: 'a',
        admit: ada,
        expect: { scope: 'user', used: 60, resetAt: T0 + HOUR, retryAfterSeconds: 1800 },
      },
      { clock: HOUR },
      { via: 'b', usage: ada, expect: { userSeconds: 30, workspaceSeconds: 30, concurrent: 0 } },
      { via: 'a', spend: ada, seconds: 30 },
      // The charge from half an hour ago still counts: the next reset is when it leaves the window.
      { via: 'b', admit: ada, expect: { scope: 'user', resetAt: T0 + HOUR * 1.5 } },
    ],
  },
  {
    name: 'keeps a workspace budget shared by its users, apart from other workspaces',
    limits: { windowMs: HOUR, userComputeSeconds: 1_000, workspaceComputeSeconds: 100 },
    steps: [
      { via: 'a', spend: ada, seconds: 70 },
      { via: 'b', spend: bob, seconds: 30 },
      {
        via: 'a',
        admit: bob,
        expect: { scope: 'workspace', limit: 100, used: 100, resetAt: T0 + HOUR, retryAfterSeconds: 3600 },
      },
      // Same user name on Slack is another person in another workspace.
      { via: 'b', admit: slackAda, expect: 'ok' },
      { via: 'a', usage: ada, expect: { userSeconds: 70, workspaceSeconds: 100, concurrent: 0 } },
    ],
  },
  {
    name: 'checks the user budget before the workspace budget',
    limits: { windowMs: HOUR, userComputeSeconds: 50, workspaceComputeSeconds: 60 },
    steps: [
      { via: 'a', spend: ada, seconds: 60 },
      { via: 'b', admit: ada, expect: { scope: 'user', limit: 50, used: 60 } },
      { via: 'b', admit: bob, expect: { scope: 'workspace', limit: 60, used: 60 } },
    ],
  },
  {
    name: 'caps the jobs one user holds at once across frontends, and frees a slot on release (once)',
    limits: { maxConcurrentPerUser: 2 },
    steps: [
      { via: 'a', admit: ada, expect: 'ok', hold: 'x' },
      { via: 'b', admit: ada, expect: 'ok', hold: 'y' },
      { via: 'a', admit: ada, expect: { scope: 'concurrent', limit: 2, used: 2 } },
      { via: 'b', admit: ada, expect: { scope: 'concurrent', limit: 2, used: 2 } },
      { via: 'b', admit: bob, expect: 'ok' },
      { release: 'x' },
      { release: 'x' },
      { via: 'a', usage: ada, expect: { userSeconds: 0, workspaceSeconds: 0, concurrent: 1 } },
      { via: 'b', admit: ada, expect: 'ok', hold: 'z' },
      { via: 'a', admit: ada, expect: { scope: 'concurrent', used: 2 } },
    ],
  },
  {
    name: 'bills a user across DMs and workspaces, and a DM to no workspace',
    limits: { windowMs: HOUR, userComputeSeconds: 100, workspaceComputeSeconds: 10 },
    steps: [
      { via: 'a', spend: adaDm, seconds: 50 },
      { via: 'b', admit: adaDm, expect: 'ok', hold: 'dm' },
      { via: 'a', usage: adaDm, expect: { userSeconds: 50, concurrent: 1 } },
      { via: 'b', usage: ada, expect: { userSeconds: 50, workspaceSeconds: 0, concurrent: 1 } },
      { via: 'b', spend: ada, seconds: 50 },
      { via: 'a', admit: adaDm, expect: { scope: 'user', used: 100, resetAt: T0 + HOUR } },
    ],
  },
  {
    name: 'treats Infinity as no limit and ignores charges of nothing',
    limits: {
      userComputeSeconds: Infinity,
      workspaceComputeSeconds: Infinity,
      maxConcurrentPerUser: Infinity,
    },
    steps: [
      { via: 'a', spend: ada, seconds: 1e6 },
      { clock: 1 },
      { via: 'b', spend: ada, seconds: 0.1 },
      { clock: 2 },
      { via: 'a', spend: ada, seconds: 0.2 },
      { via: 'b', spend: ada, seconds: 0 },
      { via: 'b', spend: ada, seconds: -5 },
      { via: 'a', admit: ada, expect: 'ok', hold: 'x' },
      { via: 'b', admit: ada, expect: 'ok', hold: 'y' },
      { via: 'a', admit: ada, expect: 'ok', hold: 'z' },
      // Sums agree to the last bit: both add charges in the order they were made.
      {
        via: 'b',
        usage: ada,
        expect: { userSeconds: 1e6 + 0.1 + 0.2, workspaceSeconds: 1e6 + 0.1 + 0.2, concurrent: 3 },
      },
    ],
  },
];

/** Plays one scenario. */
async function play(scenario: Scenario, make: MakeFrontends): Promise<void> {
  let now = T0;
  const frontends = await make(scenario.limits, () => now);
  const held = new Map<string, SpecTicket>();
  for (const [i, step] of scenario.steps.entries()) {
    const where = `step ${i}: ${JSON.stringify(step)}`;
    if ('clock' in step) now = T0 + step.clock;
    else if ('release' in step) await held.get(step.release)?.release();
    else if ('spend' in step) {
      const ticket = await frontends[step.via].admit(step.spend);
      if (!ticket.ok) throw new Error(`${where}: refused: ${ticket.error.message}`);
      await ticket.value.charge(step.seconds, 'image_generation');
      await ticket.value.release();
    } else if ('usage' in step) {
      expect(await frontends[step.via].usage(step.usage), where).toEqual(step.expect);
    } else {
      const result = await frontends[step.via].admit(step.admit);
      if (step.expect === 'ok') {
        expect(result.ok, where).toBe(true);
        if (result.ok && step.hold) held.set(step.hold, result.value);
      } else
        expect(result, where).toMatchObject({
          ok: false,
          error: { code: 'quota_exceeded', details: step.expect },
        });
    }
  }
}

/** Registers every scenario as a test of the implementation `make` builds. */
export function describeQuotaSpec(name: string, make: MakeFrontends): void {
  describe(`${name} (shared quota spec)`, () => {
    for (const scenario of QUOTA_SCENARIOS) it(scenario.name, () => play(scenario, make));
  });
}
