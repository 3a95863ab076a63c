import type { MessagePort } from 'node:worker_threads';
import type { Failure } from '../../core/errors.js';
import type { DecodeRequest, DecodeStats, TokenEvent } from './decode-request.js';
import type { ExecutionProviderName, SessionSettings } from './execution-provider.js';
import type { HostTensor } from './tensors.js';

/** What the pool and its workers say to each other (structured-clone data only). */

/** `workerData` of every worker. */
export interface WorkerConfig extends SessionSettings {
  /** BroadcastChannel on which the pool asks workers to release their sessions. */
  readonly channel: string;
}

/** A name, element type and shape, as the model declares them. */
export interface ValueInfo {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

/** A model's inputs and outputs, and the provider its session runs on. */
export interface ModelInfo {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly provider: ExecutionProviderName;
}

/** Flag values in a generate task's shared Int32Array. */
export const FLAG_RUN = 0;
export const FLAG_ABORT = 1;
export const FLAG_TIMEOUT = 2;

/** Tasks the worker runs. */
export type WorkerTask =
  | { readonly kind: 'inspect'; readonly path: string }
  | { readonly kind: 'run'; readonly path: string; readonly feeds: Record<string, HostTensor> }
  | {
      readonly kind: 'generate';
      readonly request: DecodeRequest;
      /** Token events and the final message go through this port, in order. */
      readonly port: MessagePort;
      /** [0]: FLAG_RUN, or FLAG_ABORT / FLAG_TIMEOUT set by the pool; checked before every pass. */
      readonly flag: Int32Array;
    };

/** A warning the worker logged (relayed to the pool's logger). */
export interface WorkerWarning {
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/** Every task's result. */
export type WorkerResult =
  | {
      readonly ok: true;
      readonly threadId: number;
      readonly value: unknown;
      readonly warnings: readonly WorkerWarning[];
    }
  | {
      readonly ok: false;
      readonly threadId: number;
      readonly error: Failure;
      readonly warnings: readonly WorkerWarning[];
    };

/** Messages on a generate task's port. */
export type GenerateMessage =
  | ({ readonly type: 'token' } & TokenEvent)
  | { readonly type: 'done'; readonly stats: DecodeStats }
  | { readonly type: 'error'; readonly error: Failure };

/** Messages on the release channel. */
export type ChannelMessage =
  | { readonly type: 'online'; readonly threadId: number }
  | { readonly type: 'release' }
  | { readonly type: 'released'; readonly threadId: number };
