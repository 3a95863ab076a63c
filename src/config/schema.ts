import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const url = z.url();
const optionalUrl = z.union([z.literal(''), url]);
const httpTask = z.strictObject({ url: optionalUrl, format: z.enum(['json', 'multipart']) });
const jobKind = z.enum([
  'chat',
  'image_generation',
  'image_editing',
  'segmentation',
  'video_generation',
  'audio_generation',
]);

/** A shard id; env values arrive as strings (`DISCORD_SHARDS=0,2`), YAML ones as numbers. */
const shardId = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number().int().min(0),
);

/** A blocklist pattern that does not compile is a config error at start, not a crash on a message. */
function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}

/**
 * The whole configuration. Defaults live in config/default.yaml (the single source of defaults), so the
 * schema has none: a key missing after merging is a bug in that file, and unknown keys are refused.
 */
export const ConfigSchema = z.strictObject({
  models: z.strictObject({ dir: z.string() }),
  data: z.strictObject({ dir: z.string().min(1) }),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) }),
  engine: z.strictObject({
    backend: z.enum(['auto', 'onnx', 'openai']),
    remote: z.strictObject({
      url: optionalUrl,
      model: z.string(),
      apiKey: z.string(),
      idleTimeoutMs: z.number().int().positive(),
      maxRetries: z.number().int().min(0).max(10),
      maxImages: z.number().int().min(0).max(16),
      systemPrompt: z.string(),
    }),
    executionProvider: z.enum(['cpu', 'cuda', 'auto']),
    workers: z.number().int().min(1).max(64),
    intraOpThreads: z.number().int().min(0).max(256),
    requestTimeoutMs: z.number().int().positive(),
    sampling: z.strictObject({
      maxNewTokens: z.number().int().min(1).max(8192),
      temperature: z.number().min(0).max(5),
      topP: z.number().gt(0).max(1),
    }),
  }),
  tasks: z.strictObject({
    timeoutMs: z.number().int().positive(),
    http: z.strictObject({
      apiKey: z.string(),
      image_generation: httpTask,
      image_editing: httpTask,
      segmentation: httpTask,
      video_generation: httpTask,
      audio_generation: httpTask,
    }),
  }),
  media: z.strictObject({ ffmpegPath: z.string(), ffprobePath: z.string() }),
  discord: z
    .strictObject({
      token: z.string(),
      apiUrl: url,
      commandGuilds: z.array(z.string().regex(/^\d{15,21}$/, 'must be a guild id (snowflake)')),
      historyMaxMessages: z.number().int().min(0).max(1000),
      shardCount: z.number().int().min(0).max(65_535),
      shards: z.array(shardId),
    })
    .refine((d) => d.shards.every((id) => id < d.shardCount), {
      message: 'every shard id must be below discord.shardCount (DISCORD_SHARD_COUNT), which must be set',
      path: ['shards'],
    }),
  slack: z.strictObject({
    botToken: z.string(),
    signingSecret: z.string(),
    appToken: z.string(),
    apiUrl: url,
    port,
    host: z.string().min(1),
    command: z.string().regex(/^\/[a-z0-9_-]+$/, 'must look like /name'),
  }),
  playground: z.strictObject({
    enabled: z.union([z.literal('auto'), z.boolean()]),
    port,
    host: z.string().min(1),
  }),
  scheduler: z.strictObject({
    concurrency: z.number().int().min(0).max(64),
    remoteConcurrency: z.number().int().min(1).max(256),
    priorities: z.partialRecord(jobKind, z.number().int().min(0).max(100)),
    agingSeconds: z.number().min(0),
  }),
  quotas: z.strictObject({
    windowMinutes: z.number().positive(),
    userComputeSeconds: z.number().positive(),
    workspaceComputeSeconds: z.number().positive(),
    maxConcurrentPerUser: z.number().int().min(1),
  }),
  safety: z.strictObject({
    blocklist: z.array(z.string()),
    patterns: z.array(
      z.string().refine(isRegExp, 'must be a valid regular expression (JavaScript syntax, u flag)'),
    ),
    maxUserChars: z.number().int().positive(),
    maxTaskPromptChars: z.number().int().positive(),
  }),
  access: z.strictObject({
    allowWorkspaces: z.array(z.string()),
    denyWorkspaces: z.array(z.string()),
    allowChannels: z.array(z.string()),
    denyChannels: z.array(z.string()),
    allowRoles: z.array(z.string()),
    allowUsers: z.array(z.string()),
    denyUsers: z.array(z.string()),
    admins: z.array(z.string()),
    dms: z.boolean(),
    deniedNotice: z.boolean(),
  }),
  ops: z.strictObject({ enabled: z.boolean(), host: z.string().min(1), port }),
  shutdown: z.strictObject({ graceMs: z.number().int().min(0) }),
  queue: z
    .strictObject({
      backend: z.enum(['inprocess', 'redis']),
      redisUrl: z.union([
        z.literal(''),
        z.string().regex(/^rediss?:\/\/\S+$/, 'must be redis://… or rediss://…'),
      ]),
      prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only'),
      concurrency: z.number().int().min(0).max(256),
      lockDurationMs: z.number().int().min(100),
      stalledIntervalMs: z.number().int().min(100),
      maxStalledCount: z.number().int().min(0).max(100),
      pollMs: z.number().int().min(10),
      ttlSeconds: z.number().int().min(10),
    })
    .refine((q) => q.backend !== 'redis' || q.redisUrl !== '', {
      message: 'queue.backend redis needs queue.redisUrl (LLMBIND_REDIS_URL)',
      path: ['redisUrl'],
    }),
});

/** The parsed configuration, injected everywhere. */
export type Config = z.infer<typeof ConfigSchema>;

/**
 * Environment variables → config paths. These names are a public interface that deployment scripts
 * depend on: add, never rename.
 */
export const ENV_VARS = {
  DISCORD_TOKEN: 'discord.token',
  DISCORD_API_URL: 'discord.apiUrl',
  DISCORD_SHARD_COUNT: 'discord.shardCount',
  DISCORD_SHARDS: 'discord.shards',
  SLACK_BOT_TOKEN: 'slack.botToken',
  SLACK_SIGNING_SECRET: 'slack.signingSecret',
  SLACK_APP_TOKEN: 'slack.appToken',
  SLACK_API_URL: 'slack.apiUrl',
  SLACK_PORT: 'slack.port',
  PLAYGROUND_PORT: 'playground.port',
  PLAYGROUND_ENABLED: 'playground.enabled',
  LLMBIND_MODELS: 'models.dir',
  LLMBIND_DATA_DIR: 'data.dir',
  LLMBIND_EXECUTION_PROVIDER: 'engine.executionProvider',
  LLMBIND_ENGINE_WORKERS: 'engine.workers',
  LLMBIND_ENGINE_BACKEND: 'engine.backend',
  LLMBIND_LLM_URL: 'engine.remote.url',
  LLMBIND_LLM_MODEL: 'engine.remote.model',
  LLMBIND_LLM_API_KEY: 'engine.remote.apiKey',
  LLMBIND_TASK_API_KEY: 'tasks.http.apiKey',
  LLMBIND_TASK_IMAGE_GENERATION_URL: 'tasks.http.image_generation.url',
  LLMBIND_TASK_IMAGE_EDITING_URL: 'tasks.http.image_editing.url',
  LLMBIND_TASK_SEGMENTATION_URL: 'tasks.http.segmentation.url',
  LLMBIND_TASK_VIDEO_GENERATION_URL: 'tasks.http.video_generation.url',
  LLMBIND_TASK_AUDIO_GENERATION_URL: 'tasks.http.audio_generation.url',
  LLMBIND_FFMPEG_PATH: 'media.ffmpegPath',
  LLMBIND_FFPROBE_PATH: 'media.ffprobePath',
  LOG_LEVEL: 'log.level',
  LLMBIND_OPS_PORT: 'ops.port',
  LLMBIND_QUEUE_BACKEND: 'queue.backend',
  LLMBIND_REDIS_URL: 'queue.redisUrl',
} as const satisfies Record<string, string>;

/** Config paths that hold secrets: never logged, never echoed in errors. */
export const SECRET_PATHS = [
  'discord.token',
  'slack.botToken',
  'slack.signingSecret',
  'engine.remote.apiKey',
  'tasks.http.apiKey',
  'slack.appToken',
] as const;
