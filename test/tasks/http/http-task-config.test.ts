import { describe, expect, it } from 'vitest';
import { LlmbindError } from '../../../src/core/errors.js';
import {
  DEFAULT_REMOTE_LLM_CONFIG,
  openAiEngineFromConfig,
  resolveEngineBackend,
} from '../../../src/engine/remote/remote-engine-config.js';
import {
  DEFAULT_HTTP_TASKS_CONFIG,
  httpKinds,
  httpTasksFromConfig,
  planInProcessTasks,
} from '../../../src/tasks/http/http-task-config.js';
import { capturedLogger } from '../../engine/remote/remote-test-kit.js';

const section = { files: { a: 'a.onnx' } };
const ALL = {
  image_generation: section,
  image_editing: section,
  segmentation: section,
  video_generation: section,
  audio_generation: section,
};

describe('backend choice per task', () => {
  it('leaves HTTP kinds to their servers and builds the rest in-process', () => {
    const http = {
      ...DEFAULT_HTTP_TASKS_CONFIG,
      video_generation: { url: 'http://v/', format: 'json' as const },
    };
    expect(httpKinds(http)).toEqual(['video_generation']);
    expect(
      httpTasksFromConfig(http, { logger: capturedLogger().logger, timeoutMs: 1 }).map((t) => t.kind),
    ).toEqual(['video_generation']);
    const plan = planInProcessTasks(ALL, { llm: 'onnx', hasSegProjector: true, http: httpKinds(http) });
    expect(Object.keys(plan.sections)).toEqual([
      'image_generation',
      'image_editing',
      'segmentation',
      'audio_generation',
    ]);
    expect(plan.segmentation).toBe('embedding');
  });

  it('says which setups can serve [SEG]', () => {
    const remote = planInProcessTasks(ALL, { llm: 'openai', hasSegProjector: false, http: [] });
    expect(remote.segmentation).toBe('none');
    expect(remote.sections.segmentation).toBeUndefined();
    expect(planInProcessTasks(ALL, { llm: 'onnx', hasSegProjector: false, http: [] }).segmentation).toBe(
      'none',
    );
    expect(
      planInProcessTasks(ALL, { llm: 'openai', hasSegProjector: false, http: ['segmentation'] }).segmentation,
    ).toBe('text');
    expect(planInProcessTasks({}, { llm: 'onnx', hasSegProjector: true, http: [] }).segmentation).toBe(
      'none',
    );
  });
});

describe('engine backend choice', () => {
  it('auto picks the remote server when a URL is set', () => {
    expect(resolveEngineBackend('auto', { url: '' })).toBe('onnx');
    expect(resolveEngineBackend('auto', { url: 'http://x/v1' })).toBe('openai');
    expect(resolveEngineBackend('onnx', { url: 'http://x/v1' })).toBe('onnx');
  });

  it('names the missing variable, never a value', () => {
    const deps = { logger: capturedLogger().logger, requestTimeoutMs: 1 };
    const missing = (config: typeof DEFAULT_REMOTE_LLM_CONFIG | Record<string, unknown>) => {
      try {
        openAiEngineFromConfig({ ...DEFAULT_REMOTE_LLM_CONFIG, ...config }, deps);
        return 'built';
      } catch (error) {
        return LlmbindError.isInstance(error) ? `${error.code}: ${error.message}` : String(error);
      }
    };
    expect(missing({ apiKey: 'sk-x' })).toBe(
      'config_invalid: the openai engine backend needs LLMBIND_LLM_URL',
    );
    expect(missing({ url: 'http://x/v1', apiKey: 'sk-x' })).toMatch(/LLMBIND_LLM_MODEL$/);
    expect(missing({ url: 'http://x/v1', model: 'm' })).toBe('built');
  });
});
