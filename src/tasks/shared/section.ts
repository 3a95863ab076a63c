import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { LlmbindError } from '../../core/errors.js';
import type { ModelInfo, ValueInfo } from '../../engine/onnx/pool-protocol.js';
import type { TaskKind } from '../../engine/protocol/task-kind.js';
import type { TaskPool } from '../task-deps.js';

/**
 * Validates a runner's `tasks.<kind>` section of manifest.json against its schema. A problem is one
 * `bundle_invalid` error naming the full key (`tasks.image_generation.steps: …`).
 */
export function parseSection<S extends z.ZodType>(kind: TaskKind, schema: S, section: unknown): z.infer<S> {
  const parsed = schema.safeParse(section);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw sectionError(kind, (issue?.path ?? []).map(String).join('.'), issue?.message ?? 'invalid');
}

/** The `bundle_invalid` error for one key of a task section (`tasks.<kind>.<key>: problem`). */
export function sectionError(kind: TaskKind, key: string, problem: string): LlmbindError {
  const full = ['tasks', kind, ...(key ? [key] : [])].join('.');
  return new LlmbindError('bundle_invalid', `manifest.json: ${full}: ${problem}`, { key: full });
}

/** Absolute paths of a section's files, each checked to exist (`model_missing` names the key). */
export async function resolveFiles<K extends string>(
  dir: string,
  kind: TaskKind,
  files: Record<K, string>,
): Promise<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const role of Object.keys(files) as K[]) {
    const path = join(dir, files[role]);
    try {
      await access(path);
    } catch {
      throw new LlmbindError('model_missing', `tasks.${kind}.files.${role}: ${path} is missing`, {
        key: `tasks.${kind}.files.${role}`,
        path,
      });
    }
    out[role] = path;
  }
  return out;
}

/** A model's signature with lookups by name. */
export class ModelSignature {
  constructor(
    readonly path: string,
    readonly info: ModelInfo,
  ) {}

  /** Reads a model's declared inputs and outputs through the pool. */
  static async inspect(pool: TaskPool, path: string): Promise<ModelSignature> {
    return new ModelSignature(path, await pool.inspect(path));
  }

  input(name: string): ValueInfo | undefined {
    return this.info.inputs.find((v) => v.name === name);
  }

  output(name: string): ValueInfo | undefined {
    return this.info.outputs.find((v) => v.name === name);
  }

  /** The declared input, or `bundle_invalid` naming the file and what it has instead. */
  requireInput(name: string): ValueInfo {
    const found = this.input(name);
    if (!found) throw this.#missing('input', name, this.info.inputs);
    return found;
  }

  /** The first of `names` the model outputs, or `bundle_invalid`. */
  requireOutput(...names: string[]): ValueInfo {
    for (const name of names) {
      const found = this.output(name);
      if (found) return found;
    }
    throw this.#missing('output', names.join("' or '"), this.info.outputs);
  }

  #missing(what: string, name: string, has: readonly ValueInfo[]): LlmbindError {
    return new LlmbindError(
      'bundle_invalid',
      `${this.path}: missing ${what} '${name}' (has ${has.map((v) => v.name).join(', ')})`,
      { file: this.path },
    );
  }
}
