/** How fast the Slack adapter may call each Web API method, and the limiter groups that enforce it. */

/** Minimum spacing between calls, per method (and per channel where Slack limits per channel). */
export interface SlackPacing {
  /** chat.postMessage: Slack allows about one message per second per channel. */
  readonly postMessageMs: number;
  /** chat.update: Tier 3 (~50/min per workspace); streaming edits are coalesced to this pace. */
  readonly updateMs: number;
  /** files.uploadV2 (three calls each). */
  readonly uploadMs: number;
  /** conversations.replies: may be limited to about 1/min for non-Marketplace apps. */
  readonly repliesMs: number;
  // The three below are optional so pacing objects written before they had limiters keep compiling.
  /** views.open: Tier 4 (~100/min); a trigger_id expires after 3 s, so keep this short. */
  readonly viewsOpenMs?: number;
  /** users.info: Tier 4 (~100/min); names are cached, so this is rarely the bottleneck. */
  readonly usersInfoMs?: number;
  /** Posts to one response_url (Slack allows 5 in 30 minutes per URL). */
  readonly responseUrlMs?: number;
}

/** The limiter group of each pace, named by the budget it guards (shared limiters match on it). */
export const GROUP_NAMES = {
  postMessageMs: 'slack:chat.postMessage',
  updateMs: 'slack:chat.update',
  uploadMs: 'slack:files.upload',
  repliesMs: 'slack:conversations.replies',
  viewsOpenMs: 'slack:views.open',
  usersInfoMs: 'slack:users.info',
  responseUrlMs: 'slack:response_url',
} as const satisfies Record<keyof SlackPacing, string>;

/** bottleneck priorities (0 runs first, 5 is the default): finals before streaming and status edits. */
export const FINAL_PRIORITY = 2;
export const PROGRESS_PRIORITY = 7;

/** Production pacing. */
export const DEFAULT_PACING = {
  postMessageMs: 1_000,
  updateMs: 1_200,
  uploadMs: 1_000,
  repliesMs: 1_000,
  viewsOpenMs: 600,
  usersInfoMs: 600,
  responseUrlMs: 1_000,
} as const satisfies Required<SlackPacing>;
