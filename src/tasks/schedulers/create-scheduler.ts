import { DdimScheduler } from './ddim.js';
import { EulerAncestralScheduler } from './euler-ancestral.js';
import { LcmScheduler } from './lcm.js';
import type { SchedulerConfig } from './noise-schedule.js';
import type { Scheduler } from './scheduler.js';

/** The scheduler the manifest names, set up for `steps` inference steps. */
export function createScheduler(config: SchedulerConfig, steps: number): Scheduler {
  switch (config.type) {
    case 'ddim':
      return new DdimScheduler(config, steps);
    case 'euler_ancestral':
      return new EulerAncestralScheduler(config, steps);
    case 'lcm':
      return new LcmScheduler(config, steps);
  }
}
