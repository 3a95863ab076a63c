import type { ModelInfo } from '../engine/onnx/pool-protocol.js';
import type { HostTensor } from '../engine/onnx/tensors.js';
import type { Ffmpeg } from '../media/ffmpeg.js';

/** The slice of {@link OnnxPool} the task runners use (tests may pass a typed fake). */
export interface TaskPool {
  /** Declared inputs and outputs of a model. */
  inspect(path: string): Promise<ModelInfo>;
  /** One `session.run` in a worker; feeds are cast to the declared dtypes, float outputs are float32. */
  run(path: string, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
}

/** The slice of a pino logger the runners use. */
export interface TaskLogger {
  warn(obj: object, msg: string): void;
}

/** What every runner is built with. */
export interface TaskDeps {
  readonly pool: TaskPool;
  /** Encodes video and audio; only the video and audio runners use it. */
  readonly ffmpeg: Ffmpeg;
  readonly logger: TaskLogger;
}
