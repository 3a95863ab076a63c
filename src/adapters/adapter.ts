/**
 * A platform adapter: turns platform events into core `IncomingMessage`s handed to the
 * Orchestrator, and gives the core a `ReplySink` per message. Nothing outside an adapter's folder
 * imports its SDK.
 */
export interface Adapter {
  /** Platform name for logs. */
  readonly name: string;
  /** Connects/listens. Resolves once the adapter takes traffic. */
  start(): Promise<void>;
  /** Stops taking traffic and releases connections. */
  stop(): Promise<void>;
}
