import type Bottleneck from 'bottleneck';

/** How close together job starts came: the smallest gap and the first-to-last span, in ms. */
export interface Spacing {
  readonly count: number;
  readonly minGap: number;
  readonly span: number;
}

/** The spacing of sorted start times. */
export function spacingOf(times: readonly number[]): Spacing {
  const sorted = [...times].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] ?? t));
  return {
    count: sorted.length,
    minGap: gaps.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...gaps),
    span: (sorted.at(-1) ?? 0) - (sorted[0] ?? 0),
  };
}

/**
 * Schedules `perLimiter` jobs on each limiter at once (as two frontends would, each through its own)
 * and resolves with when each job started, once all have run.
 */
export async function startTimes(limiters: readonly Bottleneck[], perLimiter: number): Promise<number[]> {
  const starts: number[] = [];
  await Promise.all(
    limiters.flatMap((limiter) =>
      Array.from({ length: perLimiter }, () =>
        limiter.schedule(async () => {
          starts.push(performance.now());
        }),
      ),
    ),
  );
  return starts;
}
