import type { TaskKind } from '../engine/protocol/task-kind.js';
import type { Task } from './task.js';

/** The task runners configured for this bot, by kind. Adding a task model is registering one more. */
export class TaskRegistry {
  private readonly tasks = new Map<TaskKind, Task>();

  constructor(tasks: Iterable<Task> = []) {
    for (const task of tasks) this.register(task);
  }

  /** Adds a runner; a second runner for the same kind is a configuration bug. */
  register(task: Task): void {
    if (this.tasks.has(task.kind)) throw new Error(`a ${task.kind} task is already registered`);
    this.tasks.set(task.kind, task);
  }

  /** The runner for a kind, if one is configured. */
  get(kind: TaskKind): Task | undefined {
    return this.tasks.get(kind);
  }

  /** Kinds that have a runner. */
  kinds(): TaskKind[] {
    return [...this.tasks.keys()];
  }

  /** Disposes every runner. */
  async dispose(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((t) => t.dispose()));
  }
}
