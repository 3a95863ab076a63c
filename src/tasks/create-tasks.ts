import type { Manifest } from '../engine/bundle/manifest.js';
import type { TaskKind } from '../engine/protocol/task-kind.js';
import { AudioGenerationTask } from './audio-generation/audio-generation-task.js';
import { ImageEditingTask } from './image-editing/image-editing-task.js';
import { ImageGenerationTask } from './image-generation/image-generation-task.js';
import { SegmentationTask } from './segmentation/segmentation-task.js';
import type { Task } from './task.js';
import type { TaskDeps } from './task-deps.js';
import { VideoGenerationTask } from './video-generation/video-generation-task.js';

/** Builds one runner from its manifest section. */
type TaskFactory = (dir: string, section: unknown, deps: TaskDeps) => Promise<Task>;

/** The runner for each kind; adding a task model is adding a folder and a line here. */
export const TASK_FACTORIES = {
  image_generation: (dir, section, deps) => ImageGenerationTask.create(dir, section, deps),
  image_editing: (dir, section, deps) => ImageEditingTask.create(dir, section, deps),
  segmentation: (dir, section, deps) => SegmentationTask.create(dir, section, deps),
  video_generation: (dir, section, deps) => VideoGenerationTask.create(dir, section, deps),
  audio_generation: (dir, section, deps) => AudioGenerationTask.create(dir, section, deps),
} as const satisfies Record<TaskKind, TaskFactory>;

/**
 * One runner per kind configured in the manifest's `tasks` section, each validated (section keys,
 * files present, ONNX inputs/outputs) before it is returned. Throws `bundle_invalid` or
 * `model_missing` naming the key or file: a broken bundle should stop start-up, not the first job.
 * Runners already built are disposed when a later one fails.
 */
export async function createTasks(
  dir: string,
  tasksSection: Manifest['tasks'],
  deps: TaskDeps,
): Promise<Task[]> {
  const tasks: Task[] = [];
  try {
    for (const [kind, factory] of Object.entries(TASK_FACTORIES) as [TaskKind, TaskFactory][]) {
      const section = tasksSection[kind];
      if (section !== undefined) tasks.push(await factory(dir, section, deps));
    }
  } catch (error) {
    await Promise.all(tasks.map((t) => t.dispose()));
    throw error;
  }
  return tasks;
}
