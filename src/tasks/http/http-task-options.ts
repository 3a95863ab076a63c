import type { TaskKind } from '../../engine/protocol/task-kind.js';
import type { RemoteLogger } from '../../engine/remote/http-call.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../engine/remote/retry-policy.js';

/** One task model behind an operator's HTTP server (see docs/remote-backends.md for the wire format). */
export interface HttpTaskOptions {
  readonly kind: TaskKind;
  /** Where the task request is POSTed. */
  readonly url: string;
  /** `json` (base64 image inside) or `multipart` (the image as a file part). */
  readonly format?: 'json' | 'multipart';
  /** Sent as `Authorization: Bearer …`; never logged, scrubbed from errors. */
  readonly apiKey?: string;
  /** Output size asked of the server; omitted: the server's default. */
  readonly size?: { readonly width: number; readonly height: number };
  /** Whole job, connection to last byte (the Orchestrator's task timeout applies as well). */
  readonly timeoutMs?: number;
  /** Larger responses are refused with `output_too_large`. */
  readonly maxResponseBytes?: number;
  readonly retry?: RetryPolicy;
  readonly logger: RemoteLogger;
  /** Injected in tests. */
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
}

/** Defaults for every optional setting, checked against the options type. */
export const DEFAULT_HTTP_TASK_OPTIONS = {
  format: 'json',
  timeoutMs: 300_000,
  maxResponseBytes: 64 * 1024 * 1024,
  retry: DEFAULT_RETRY_POLICY,
} as const satisfies Partial<Required<HttpTaskOptions>>;
