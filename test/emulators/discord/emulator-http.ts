import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';

/** One uploaded file of a multipart request. */
export interface UploadedFile {
  readonly field: string;
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** A parsed REST request. */
export interface ParsedRequest {
  readonly method: string;
  /** Path below `/api/v10`, decoded (`@original` stays readable). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown> | undefined;
  readonly files: readonly UploadedFile[];
}

/** A reply the router wants sent. */
export interface RestReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Reads and parses a request: JSON bodies and multipart (`payload_json` + `files[n]`). */
export async function parseRequest(req: HttpRequest, prefix: string): Promise<ParsedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://emulator');
  const path = decodeURIComponent(url.pathname.slice(prefix.length));
  const contentType = req.headers['content-type'] ?? '';
  let body: Record<string, unknown> | undefined;
  const files: UploadedFile[] = [];
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value) as Record<string, unknown>;
      } else {
        files.push({
          field,
          name: value.name,
          contentType: value.type || 'application/octet-stream',
          bytes: new Uint8Array(await value.arrayBuffer()),
        });
      }
    }
  } else if (raw.byteLength > 0) {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  }
  return { method: req.method ?? 'GET', path, query: url.searchParams, body, files };
}

/** Writes a reply; a 204 carries no content-type (discord.js would try to parse it). */
export function writeReply(res: ServerResponse, reply: RestReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  if (reply.body instanceof Uint8Array) {
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(reply.body));
}

/** Builds a JSON reply. */
export const json = (body: unknown, status = 200): RestReply => ({ status, body });

/** A Discord-style error body. */
export const apiError = (status: number, code: number, message: string): RestReply => ({
  status,
  body: { code, message },
});

/**
 * A scripted failure reply: a 429 with Discord's rate-limit headers, a bare 413 (as the edge in front of
 * the API sends), or an error status with a Discord JSON body.
 */
export function faultReply(
  status: number,
  code: number | undefined,
  retryAfterMs: number | undefined,
  route: string,
): RestReply {
  if (status === 413)
    return {
      status,
      body: new TextEncoder().encode('<html><body><h1>413 Request Entity Too Large</h1></body></html>'),
      headers: { 'content-type': 'text/html' },
    };
  if (status !== 429)
    return apiError(status, code ?? 0, status === 403 ? 'Missing Permissions' : 'Server error');
  const seconds = ((retryAfterMs ?? 50) / 1000).toFixed(3);
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: Number(seconds), global: false },
    headers: {
      'retry-after': seconds,
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': seconds,
      'x-ratelimit-bucket': `emulated-${route}`,
      'x-ratelimit-scope': 'user',
    },
  };
}
