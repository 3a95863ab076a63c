import type { Config } from '../../config/schema.js';
import { SlackAdapter } from './slack-adapter.js';
import type { SlackAdapterOptions } from './slack-adapter-options.js';

export { normaliseApiUrl } from './slack-api.js';

/** What the composition root supplies besides `config.slack`. */
export type SlackAdapterDeps = Omit<SlackAdapterOptions, keyof Config['slack']>;

/**
 * Builds the Slack adapter from `config.slack`, or returns undefined when Slack is not configured (no bot
 * token, or neither a signing secret for HTTP nor an app token for Socket Mode).
 */
export function slackAdapterFromConfig(
  slack: Config['slack'],
  deps: SlackAdapterDeps,
): SlackAdapter | undefined {
  if (slack.botToken === '' || (slack.signingSecret === '' && slack.appToken === '')) return undefined;
  return new SlackAdapter({ ...slack, ...deps });
}
