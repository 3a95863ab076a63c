import type { JobKind } from './job.js';

/**
 * First guesses of a job's run time per kind, in milliseconds, before any job of that kind has run.
 * Deliberately pessimistic: an ETA that comes early pleases, one that slips does not.
 */
export const DEFAULT_ESTIMATES_MS = {
  chat: 5_000,
  segmentation: 5_000,
  image_generation: 20_000,
  image_editing: 20_000,
  audio_generation: 30_000,
  video_generation: 60_000,
} as const satisfies Record<JobKind, number>;

/**
 * Learns how long each kind of job takes (exponentially weighted moving average), so queue ETAs
 * follow the real device instead of a constant.
 */
export class DurationEstimator {
  private readonly means = new Map<JobKind, number>();

  /**
   * @param initial - first guess per kind.
   * @param weight - share of the newest observation in the average (0–1].
   */
  constructor(
    private readonly initial: Readonly<Record<JobKind, number>> = DEFAULT_ESTIMATES_MS,
    private readonly weight = 0.3,
  ) {}

  /** Expected run time of a kind, in milliseconds. */
  estimate(kind: JobKind): number {
    return this.means.get(kind) ?? this.initial[kind];
  }

  /** Records one finished run. Failed and cancelled runs are not observed: they end early. */
  observe(kind: JobKind, runMs: number): void {
    const prev = this.means.get(kind);
    this.means.set(kind, prev === undefined ? runMs : prev + this.weight * (runMs - prev));
  }
}
