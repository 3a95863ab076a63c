/**
 * Decode throughput of the ONNX decoder loop on the plain fixture model (test/fixtures/models/plain):
 *   - bound: tokens / time spent inside session.run (what no loop can beat),
 *   - our loop in-process (runDecoderLoop) and through the worker pool (OnnxPool.generate, wall clock
 *     on the calling thread),
 *   - @huggingface/transformers generate() on the same decoder_model.onnx (greedy, same prompt).
 *
 * Run: npx tsx bench/decode.ts [newTokens=200] [rounds=5]
 * The fixture is tiny (2 layers, hidden 32), so per-token overhead outside session.run dominates: this
 * is the worst case for a loop's overhead, not a model-speed benchmark.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { DecodeRequest } from '../src/engine/onnx/decode-request.js';
import { runDecoderLoop } from '../src/engine/onnx/decoder-loop.js';
import { OnnxPool } from '../src/engine/onnx/onnx-pool.js';

const NEW_TOKENS = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 5);
const fixtures = fileURLToPath(new URL('../test/fixtures/models/', import.meta.url));
const PLAIN = join(fixtures, 'plain', 'decoder_model.onnx');
const { prompt } = JSON.parse(readFileSync(join(fixtures, 'references.json'), 'utf8')) as {
  prompt: number[];
};
const SESSION_OPTIONS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
} as const satisfies ort.InferenceSession.SessionOptions;

const request: DecodeRequest = {
  decoder: PLAIN,
  promptIds: prompt,
  maxNewTokens: NEW_TOKENS,
  temperature: 0,
  topP: 1,
  seed: 0,
  stopTokenIds: [],
};

interface Round {
  tokens: number[];
  wallMs: number;
  runMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const perSecond = (tokens: number, ms: number) => (tokens * 1000) / ms;

async function rounds(label: string, once: () => Promise<Round>): Promise<Round & { label: string }> {
  await once(); // warm-up: session creation, JIT
  const all: Round[] = [];
  for (let i = 0; i < ROUNDS; i += 1) all.push(await once());
  const wallMs = median(all.map((r) => r.wallMs));
  const runMs = median(all.map((r) => r.runMs));
  return { label, tokens: all[0]?.tokens ?? [], wallMs, runMs };
}

async function ours(): Promise<Round & { label: string }> {
  const decoder = await ort.InferenceSession.create(PLAIN, SESSION_OPTIONS);
  return rounds('llmbind loop, in-process', async () => {
    const tokens: number[] = [];
    const t0 = performance.now();
    const stats = await runDecoderLoop({ decoder }, request, { onToken: (e) => tokens.push(e.tokenId) });
    return { tokens, wallMs: performance.now() - t0, runMs: stats.runMs };
  });
}

async function pooled(): Promise<Round & { label: string }> {
  const pool = await OnnxPool.create({ workers: 1, intraOpThreads: 1 });
  try {
    return await rounds('llmbind loop, OnnxPool (worker)', async () => {
      const tokens: number[] = [];
      const t0 = performance.now();
      const stats = await pool.generate(request, { onToken: (e) => tokens.push(e.tokenId) });
      return { tokens, wallMs: performance.now() - t0, runMs: stats.runMs };
    });
  } finally {
    await pool.close();
  }
}

/** A transformers.js model folder around the same ONNX file (llama config with the fixture's sizes). */
function transformersFolder(): { root: string; name: string } {
  const root = mkdtempSync(join(tmpdir(), 'llmbind-bench-'));
  const name = 'fixture-llama';
  mkdirSync(join(root, name, 'onnx'), { recursive: true });
  copyFileSync(PLAIN, join(root, name, 'onnx', 'model.onnx'));
  const config = {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: 282,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 8,
    max_position_embeddings: 4096,
    bos_token_id: 1,
    pad_token_id: 0,
  };
  writeFileSync(join(root, name, 'config.json'), JSON.stringify(config));
  // No eos_token_id anywhere: like our request (no stop tokens), generate exactly NEW_TOKENS tokens.
  writeFileSync(
    join(root, name, 'generation_config.json'),
    JSON.stringify({ bos_token_id: 1, pad_token_id: 0 }),
  );
  return { root, name };
}

async function transformersJs(): Promise<(Round & { label: string }) | string> {
  let folder: { root: string; name: string } | undefined;
  try {
    const tf = await import('@huggingface/transformers');
    folder = transformersFolder();
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.localModelPath = `${folder.root}/`;
    const model = await tf.AutoModelForCausalLM.from_pretrained(folder.name, {
      dtype: 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
    });
    // Time inside session.run, as for our loop.
    const sessions = (model as unknown as { sessions: Record<string, ort.InferenceSession> }).sessions;
    const session = sessions.model;
    if (!session) return 'transformers.js created no "model" session';
    let runMs = 0;
    const run = session.run.bind(session);
    (session as { run: unknown }).run = async (...args: Parameters<typeof run>) => {
      const t0 = performance.now();
      try {
        return await run(...args);
      } finally {
        runMs += performance.now() - t0;
      }
    };
    const ids = new tf.Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]);
    return await rounds('transformers.js generate()', async () => {
      runMs = 0;
      const t0 = performance.now();
      const out = (await model.generate({
        input_ids: ids,
        max_new_tokens: NEW_TOKENS,
        do_sample: false,
      } as never)) as { tolist(): bigint[][] };
      const wallMs = performance.now() - t0;
      const tokens = (out.tolist()[0] ?? []).slice(prompt.length).map(Number);
      return { tokens, wallMs, runMs };
    });
  } catch (error) {
    return `transformers.js could not run the fixture: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (folder) rmSync(folder.root, { recursive: true, force: true });
  }
}

const rate = (r: Round) => perSecond(r.tokens.length, r.wallMs);

function line(r: Round & { label: string }): string {
  const n = r.tokens.length;
  return `${r.label.padEnd(34)} ${perSecond(n, r.wallMs).toFixed(0).padStart(7)} tok/s   (${n} tokens, ${r.wallMs.toFixed(1)} ms; inside session.run ${r.runMs.toFixed(1)} ms → bound ${perSecond(n, r.runMs).toFixed(0)} tok/s, loop at ${((100 * r.runMs) / r.wallMs).toFixed(0)}% of it)`;
}

const loop = await ours();
const pool = await pooled();
const tfjs = await transformersJs();
console.log(
  `decode benchmark: plain fixture, prompt ${prompt.length} tokens, ${NEW_TOKENS} new tokens, median of ${ROUNDS}`,
);
console.log(
  `node ${process.version}, onnxruntime-node ${ort.env.versions.common}, CPU EP, 1 intra-op thread\n`,
);
console.log(line(loop));
console.log(line(pool));
if (typeof tfjs === 'string') console.log(tfjs);
else {
  console.log(line(tfjs));
  const same = tfjs.tokens.length === loop.tokens.length && tfjs.tokens.every((t, i) => t === loop.tokens[i]);
  console.log(`\ntransformers.js tokens ${same ? 'identical to' : 'DIFFER from'} ours`);
  console.log(
    `ratio ours/transformers.js (tok/s): in-process ${(rate(loop) / rate(tfjs)).toFixed(2)}×, pool ${(rate(pool) / rate(tfjs)).toFixed(2)}×`,
  );
}
console.log(
  `ratio ours/bound (loop tok/s ÷ session.run-only tok/s): in-process ${(loop.runMs / loop.wallMs).toFixed(2)}, pool ${(pool.runMs / pool.wallMs).toFixed(2)}`,
);
