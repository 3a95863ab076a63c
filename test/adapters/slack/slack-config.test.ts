import { describe, expect, it } from 'vitest';
import { normaliseApiUrl, slackAdapterFromConfig } from '../../../src/adapters/slack/slack-config.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SqliteConversationStore } from '../../../src/core/store/sqlite-conversation-store.js';

const slack = {
  botToken: '',
  signingSecret: '',
  appToken: '',
  apiUrl: 'https://slack.com/api/',
  port: 3000,
  host: '0.0.0.0',
  command: '/llmbind',
};

describe('slackAdapterFromConfig', () => {
  const deps = {
    handler: { handle: async () => ({ reply: '', tasks: [] }) },
    store: new SqliteConversationStore(':memory:'),
    logger: silentLogger(),
  };

  it('builds the adapter only when Slack is configured', () => {
    expect(slackAdapterFromConfig(slack, deps)).toBeUndefined();
    expect(slackAdapterFromConfig({ ...slack, botToken: 'xoxb-1' }, deps)).toBeUndefined();
    expect(slackAdapterFromConfig({ ...slack, botToken: 'xoxb-1', signingSecret: 's' }, deps)?.name).toBe(
      'slack',
    );
    expect(slackAdapterFromConfig({ ...slack, botToken: 'xoxb-1', appToken: 'xapp-1' }, deps)?.name).toBe(
      'slack',
    );
  });

  it('gives the Web API base the trailing slash the WebClient needs', () => {
    expect(normaliseApiUrl('http://127.0.0.1:9/api')).toBe('http://127.0.0.1:9/api/');
    expect(normaliseApiUrl('https://slack.com/api/')).toBe('https://slack.com/api/');
  });
});
