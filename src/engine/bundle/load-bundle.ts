import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LlmbindError } from '../../core/errors.js';
import { type Manifest, ManifestSchema } from './manifest.js';

/** Input and output names of one ONNX file, as the runtime reports them. */
export interface OnnxSignature {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** Reads an ONNX file's signature (the worker pool does this without blocking the event loop). */
export type InspectOnnx = (path: string) => Promise<OnnxSignature>;

/** A validated bundle: the manifest and absolute paths of the LLM files. */
export interface LoadedBundle {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly tokenizerJson: unknown;
  readonly files: {
    readonly decoder: string;
    readonly embedTokens?: string;
    readonly visionEncoder?: string;
    readonly segProjector?: string;
  };
  /** Decoder capabilities found in its signature. */
  readonly decoder: {
    readonly takesEmbeds: boolean;
    readonly merged: boolean;
    readonly hasHiddenState: boolean;
  };
}

const invalid = (file: string, problem: string): LlmbindError =>
  new LlmbindError('bundle_invalid', `${file}: ${problem}`, { file });

async function mustExist(dir: string, rel: string, what: string): Promise<string> {
  const path = join(dir, rel);
  try {
    await access(path);
  } catch {
    throw invalid(path, `missing (${what} named in manifest.json)`);
  }
  return path;
}

function expectNames(
  path: string,
  signature: OnnxSignature,
  inputs: readonly string[],
  outputs: readonly string[],
) {
  for (const name of inputs)
    if (!signature.inputNames.includes(name))
      throw invalid(path, `missing input '${name}' (has ${signature.inputNames.join(', ')})`);
  for (const name of outputs)
    if (!signature.outputNames.includes(name))
      throw invalid(path, `missing output '${name}' (has ${signature.outputNames.join(', ')})`);
}

function addedTokens(tokenizerJson: unknown): Set<string> {
  const list = (tokenizerJson as { added_tokens?: Array<{ content?: unknown }> }).added_tokens ?? [];
  return new Set(list.map((t) => t.content).filter((c): c is string => typeof c === 'string'));
}

/**
 * Reads and checks `manifest.json` alone: its schema and the task-model files it names (what a remote
 * LLM setup needs from a bundle). Fails with `bundle_invalid` naming the file and the problem.
 */
export async function readManifest(dir: string): Promise<Manifest> {
  const manifestPath = join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw invalid(manifestPath, missing ? 'missing: is this a model bundle directory?' : 'not valid JSON');
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(manifestPath, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  for (const [kind, section] of Object.entries(parsed.data.tasks)) {
    for (const [role, rel] of Object.entries(section?.files ?? {}))
      await mustExist(dir, rel, `tasks.${kind}.files.${role}`);
  }
  return parsed.data;
}

/**
 * Loads and validates a model bundle: the manifest against its schema, every file it names, the
 * tokenizer's special tokens, and the declared ONNX inputs/outputs against the contracts in
 * docs/model-bundle.md. Fails with one `bundle_invalid` error naming the file and the mismatch.
 */
export async function loadBundle(dir: string, inspect: InspectOnnx): Promise<LoadedBundle> {
  const manifest = await readManifest(dir);
  const { llm } = manifest;

  const tokenizerPath = await mustExist(dir, llm.tokenizer, 'llm.tokenizer');
  let tokenizerJson: unknown;
  try {
    tokenizerJson = JSON.parse(await readFile(tokenizerPath, 'utf8'));
  } catch {
    throw invalid(tokenizerPath, 'not valid JSON');
  }
  const added = addedTokens(tokenizerJson);
  const required = [llm.eosToken, ...(llm.vision ? [llm.imageToken] : [])];
  if (llm.segProjector) required.push(...llm.taskTokens.segmentation.marker);
  for (const token of required)
    if (!added.has(token)) throw invalid(tokenizerPath, `'${token}' is not an added token`);

  const decoder = await mustExist(dir, llm.decoder, 'llm.decoder');
  const signature = await inspect(decoder);
  const takesEmbeds = signature.inputNames.includes('inputs_embeds');
  if (!takesEmbeds && !signature.inputNames.includes('input_ids'))
    throw invalid(decoder, "needs an 'input_ids' or 'inputs_embeds' input");
  const past = Array.from({ length: llm.numLayers }, (_, i) => [
    `past_key_values.${i}.key`,
    `past_key_values.${i}.value`,
  ]).flat();
  const present = past.map((n) => n.replace('past_key_values', 'present'));
  expectNames(decoder, signature, ['attention_mask', ...past], ['logits', ...present]);
  const hasHiddenState = signature.outputNames.includes('last_hidden_state');
  if (llm.segProjector && !hasHiddenState)
    throw invalid(
      decoder,
      "missing output 'last_hidden_state' (needed for [SEG] because a seg projector is configured)",
    );

  const files: { -readonly [K in keyof LoadedBundle['files']]: LoadedBundle['files'][K] } = { decoder };
  if (takesEmbeds) {
    if (!llm.embedTokens)
      throw invalid(decoder, "takes 'inputs_embeds' but manifest.json names no llm.embedTokens");
    files.embedTokens = await mustExist(dir, llm.embedTokens, 'llm.embedTokens');
    expectNames(files.embedTokens, await inspect(files.embedTokens), ['input_ids'], ['inputs_embeds']);
  }
  if (llm.vision) {
    if (!takesEmbeds) throw invalid(decoder, "a vision encoder needs a decoder that takes 'inputs_embeds'");
    files.visionEncoder = await mustExist(dir, llm.vision.encoder, 'llm.vision.encoder');
    expectNames(
      files.visionEncoder,
      await inspect(files.visionEncoder),
      ['pixel_values'],
      ['image_features'],
    );
  }
  if (llm.segProjector) {
    files.segProjector = await mustExist(dir, llm.segProjector, 'llm.segProjector');
    expectNames(files.segProjector, await inspect(files.segProjector), ['hidden_states'], ['seg_embeddings']);
  }
  return {
    dir,
    manifest,
    tokenizerJson,
    files,
    decoder: { takesEmbeds, merged: signature.inputNames.includes('use_cache_branch'), hasHiddenState },
  };
}
