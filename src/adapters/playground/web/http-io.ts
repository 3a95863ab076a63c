import type { IncomingMessage, ServerResponse } from 'node:http';
import { LlmbindError } from '../../../core/errors.js';

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

/** Writes a JSON error `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/**
 * Reads a JSON body of at most `limit` bytes. Throws `input_too_large` past the limit (without reading
 * the rest) and `bad_input` for anything that is not JSON.
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new LlmbindError('bad_input', 'expected application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new LlmbindError('input_too_large', 'body too large', { limit });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw new LlmbindError('input_too_large', 'body too large', { limit });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (error) {
    throw new LlmbindError('bad_input', 'body is not JSON', {}, { cause: error });
  }
}

/** Host names a local playground answers to (anything else is DNS rebinding or a misdirected request). */
export function isAllowedHost(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : (hostHeader.split(':')[0] ?? '');
  return allowed.has(host.toLowerCase());
}

/** True when a state-changing request comes from a page this server served (same origin), or from no page. */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
