import type { Manifest } from '../../engine/bundle/manifest.js';
import { TASK_KINDS, type TaskKind } from '../../engine/protocol/task-kind.js';
import type { RemoteLogger } from '../../engine/remote/http-call.js';
import { HttpTask } from './http-task.js';

/** One task's entry under `tasks.http`: an empty URL keeps the task in-process (the bundle's model). */
export interface HttpTaskEntry {
  readonly url: string;
  readonly format: 'json' | 'multipart';
}

/** `tasks.http` in config. */
export type HttpTasksConfig = { readonly apiKey: string } & { readonly [K in TaskKind]: HttpTaskEntry };

/** Defaults as they go into config/default.yaml: every task in-process. */
export const DEFAULT_HTTP_TASKS_CONFIG = {
  apiKey: '',
  image_generation: { url: '', format: 'json' },
  image_editing: { url: '', format: 'json' },
  segmentation: { url: '', format: 'json' },
  video_generation: { url: '', format: 'json' },
  audio_generation: { url: '', format: 'json' },
} as const satisfies HttpTasksConfig;

/** Kinds configured to run on a task server. */
export function httpKinds(config: HttpTasksConfig): TaskKind[] {
  return TASK_KINDS.filter((kind) => config[kind].url !== '');
}

/** One {@link HttpTask} per kind with a URL. */
export function httpTasksFromConfig(
  config: HttpTasksConfig,
  deps: { logger: RemoteLogger; timeoutMs: number },
): HttpTask[] {
  return httpKinds(config).map(
    (kind) =>
      new HttpTask({
        kind,
        url: config[kind].url,
        format: config[kind].format,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        timeoutMs: deps.timeoutMs,
        logger: deps.logger,
      }),
  );
}

/** How `[SEG]` can be served by a configuration. */
export type ReferringSegmentation =
  /** In-process LLM with a seg projector + in-process mask decoder: LISA-style embeddings. */
  | 'embedding'
  /** A task server that takes the referring text (any LLM backend). */
  | 'text'
  /** Nothing can serve it: the runner is left out, so users are told segmentation is not configured. */
  | 'none';

/**
 * Decides which in-process task sections to build, given the LLM backend and the HTTP kinds: kinds on
 * a task server are left to it, and in-process segmentation is left out when the LLM cannot give it a
 * `[SEG]` embedding (remote LLM, or a bundle without a seg projector), because its mask decoder takes
 * only embeddings. Returns the sections to pass to `createTasks` and what `[SEG]` will do.
 */
export function planInProcessTasks(
  tasks: Manifest['tasks'],
  options: { llm: 'onnx' | 'openai'; hasSegProjector: boolean; http: readonly TaskKind[] },
): { readonly sections: Manifest['tasks']; readonly segmentation: ReferringSegmentation } {
  const sections: Manifest['tasks'] = { ...tasks };
  for (const kind of options.http) delete sections[kind];
  let segmentation: ReferringSegmentation = options.http.includes('segmentation') ? 'text' : 'none';
  if (sections.segmentation !== undefined) {
    if (options.llm === 'onnx' && options.hasSegProjector) segmentation = 'embedding';
    else delete sections.segmentation;
  }
  return { sections, segmentation };
}
