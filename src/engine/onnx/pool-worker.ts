import { BroadcastChannel, threadId } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { LlmbindError, toFailure } from '../../core/errors.js';
import { runDecoderLoop } from './decoder-loop.js';
import { type CreatedSession, SessionFactory } from './execution-provider.js';
import {
  type ChannelMessage,
  FLAG_RUN,
  FLAG_TIMEOUT,
  type GenerateMessage,
  type ModelInfo,
  type ValueInfo,
  type WorkerConfig,
  type WorkerResult,
  type WorkerTask,
  type WorkerWarning,
} from './pool-protocol.js';
import { fromOrtTensor, type HostTensor, toOrtTensor } from './tensors.js';

/**
 * A pool worker: owns its sessions (cached by path, kept alive until the pool releases them) and runs
 * whole tasks, the decoder loop included, so the main thread never blocks on onnxruntime.
 */

const config = workerData as WorkerConfig;
let warnings: WorkerWarning[] = [];
const factory = new SessionFactory(config, { warn: (obj, msg) => warnings.push({ obj: { ...obj }, msg }) });
const sessions = new Map<string, Promise<CreatedSession>>();

function load(path: string): Promise<CreatedSession> {
  let created = sessions.get(path);
  if (!created) {
    created = factory.create(path).catch((error: unknown) => {
      sessions.delete(path);
      throw new LlmbindError('model_missing', `cannot load ${path}`, { path }, { cause: error });
    });
    sessions.set(path, created);
  }
  return created;
}

const channel = new BroadcastChannel(config.channel);
channel.unref();
channel.onmessage = (event: unknown) => {
  const data = (event as { data: ChannelMessage }).data;
  if (data.type !== 'release') return;
  const all = [...sessions.values()];
  sessions.clear();
  void Promise.allSettled(all.map(async (p) => (await p).session.release())).then(() => {
    channel.postMessage({ type: 'released', threadId } satisfies ChannelMessage);
  });
};

// Loaded (onnxruntime included): tell the pool this worker is up.
channel.postMessage({ type: 'online', threadId } satisfies ChannelMessage);

function describe(metadata: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] {
  return metadata.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

async function inspect(path: string): Promise<ModelInfo> {
  const { session, provider } = await load(path);
  return { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata), provider };
}

async function run(path: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const { session } = await load(path);
  const declared = new Map(session.inputMetadata.map((m) => [m.name, m.isTensor ? m.type : 'float32']));
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) {
    const type = declared.get(name);
    if (!type) throw new LlmbindError('bad_input', `${path} has no input ${name}`, { input: name });
    ortFeeds[name] = toOrtTensor(tensor, type);
  }
  const out = await session.run(ortFeeds);
  const result: Record<string, HostTensor> = {};
  for (const [name, value] of Object.entries(out)) result[name] = fromOrtTensor(value as ort.Tensor);
  return result;
}

async function generate(task: WorkerTask & { kind: 'generate' }): Promise<void> {
  const { flag, port, request } = task;
  const post = (message: GenerateMessage, transfer: ArrayBuffer[] = []) =>
    port.postMessage(message, transfer);
  try {
    const decoder = (await load(request.decoder)).session;
    const embedTokens = request.embedTokens ? (await load(request.embedTokens)).session : undefined;
    const stats = await runDecoderLoop(embedTokens ? { decoder, embedTokens } : { decoder }, request, {
      onToken: (event) =>
        post({ type: 'token', ...event }, event.hidden ? [event.hidden.buffer as ArrayBuffer] : []),
      shouldStop: () => {
        const value = Atomics.load(flag, 0);
        return value === FLAG_RUN ? undefined : value === FLAG_TIMEOUT ? 'timeout' : 'abort';
      },
    });
    post({ type: 'done', stats });
  } catch (error) {
    post({ type: 'error', error: toFailure(error, 'engine_failed') });
  } finally {
    port.close();
  }
}

/** Piscina entry point. Failures come back as values so their codes survive the thread boundary. */
export default async function handle(task: WorkerTask): Promise<unknown> {
  let result: WorkerResult;
  let transfer: ArrayBuffer[] = [];
  try {
    let value: unknown;
    if (task.kind === 'inspect') value = await inspect(task.path);
    else if (task.kind === 'run') {
      const outputs = await run(task.path, task.feeds);
      transfer = Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer);
      value = outputs;
    } else {
      // Cancelled or timed out while queued: the pool has already settled the call.
      if (Atomics.load(task.flag, 0) !== FLAG_RUN) task.port.close();
      else await generate(task);
    }
    result = { ok: true, threadId, value, warnings };
  } catch (error) {
    result = { ok: false, threadId, error: toFailure(error, 'engine_failed'), warnings };
  }
  warnings = [];
  return move({ [transferableSymbol]: transfer, [valueSymbol]: result } as never);
}
