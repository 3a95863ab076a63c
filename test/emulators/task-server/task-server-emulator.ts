import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** How the emulator answers one task request. */
export type TaskAnswer =
  | { readonly mode: 'bytes' }
  | { readonly mode: 'json' }
  | {
      readonly mode: 'sse';
      readonly steps?: number;
      /** After this many progress events, wait for {@link TaskServerEmulator.release}. */
      readonly pauseAfter?: number;
      /** `error`: an error event instead of the result; `drop`: the connection is cut before it. */
      readonly end?: 'result' | 'error' | 'drop';
    }
  | {
      readonly mode: 'status';
      readonly status: number;
      readonly body?: unknown;
      readonly retryAfter?: string;
    }
  | { readonly mode: 'not-media' };

/** One request as the emulator understood it. */
export interface TaskCallReceived {
  readonly path: string;
  readonly format: 'json' | 'multipart';
  readonly authorization: string | undefined;
  readonly kind: string;
  readonly prompt: string;
  readonly seed: number;
  readonly size?: { width: number; height: number };
  readonly image?: Buffer;
  readonly imageMime?: string;
  readonly segEmbedding?: Float32Array;
}

/**
 * A loopback task server speaking the protocol of docs/remote-backends.md: JSON or multipart requests,
 * answers as raw bytes, JSON or SSE with progress, scripted failures. Images are real PNGs (a solid
 * colour derived from the seed); video and audio are minimal files with the right magic bytes.
 */
export class TaskServerEmulator {
  readonly received: TaskCallReceived[] = [];
  clientClosed = 0;
  readonly #script: TaskAnswer[] = [];
  readonly #server: Server;
  #release: (() => void) | undefined;
  #pausedResolve: (() => void) | undefined;
  #paused: Promise<void>;

  private constructor(private readonly fallback: TaskAnswer) {
    this.#paused = new Promise((r) => {
      this.#pausedResolve = r;
    });
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
  }

  static async start(fallback: TaskAnswer = { mode: 'json' }): Promise<TaskServerEmulator> {
    const emulator = new TaskServerEmulator(fallback);
    await new Promise<void>((resolve) => emulator.#server.listen(0, '127.0.0.1', resolve));
    return emulator;
  }

  /** `http://127.0.0.1:PORT/tasks/<path>`. */
  url(path: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/tasks/${path}`;
  }

  script(...answers: TaskAnswer[]): void {
    this.#script.push(...answers);
  }

  /** Resolves when an SSE answer reaches its `pauseAfter` point. */
  paused(): Promise<void> {
    return this.#paused;
  }

  release(): void {
    this.#release?.();
  }

  async close(): Promise<void> {
    this.release();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call = await parseRequest(req);
    this.received.push(call);
    const answer = this.#script.shift() ?? this.fallback;
    if (answer.mode === 'status') {
      res
        .writeHead(answer.status, {
          'content-type': 'application/json',
          ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
        })
        .end(JSON.stringify(answer.body ?? { error: { message: `scripted ${answer.status}` } }));
      return;
    }
    if (answer.mode === 'not-media') {
      res.writeHead(200, { 'content-type': 'image/png' }).end('<html>oops</html>');
      return;
    }
    const file = await mediaFor(call);
    if (answer.mode === 'bytes') {
      res
        .writeHead(200, {
          'content-type': file.mime,
          'x-seed': String(call.seed + 1),
          'content-disposition': `inline; filename="${file.filename}"`,
        })
        .end(file.bytes);
      return;
    }
    const result = {
      media: [
        {
          mime: file.mime,
          data: file.bytes.toString('base64'),
          filename: file.filename,
          altText: `alt: ${call.prompt}`,
        },
      ],
      seed: call.seed,
      computeSeconds: 0.25,
    };
    if (answer.mode === 'json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      return;
    }
    await this.#stream(res, answer, file.bytes, result);
  }

  async #stream(
    res: ServerResponse,
    answer: Extract<TaskAnswer, { mode: 'sse' }>,
    bytes: Buffer,
    result: object,
  ): Promise<void> {
    let finished = false;
    res.on('close', () => {
      if (!finished) this.clientClosed += 1;
    });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const steps = answer.steps ?? 3;
    for (let step = 1; step <= steps; step += 1) {
      if (answer.pauseAfter === step - 1) {
        const resumed = new Promise<void>((resolve) => {
          this.#release = resolve;
        });
        this.#pausedResolve?.();
        await resumed;
        if (res.destroyed) return;
      }
      const preview = step === steps ? { preview: bytes.toString('base64') } : {};
      res.write(`event: progress\ndata: ${JSON.stringify({ step, totalSteps: steps, ...preview })}\n\n`);
    }
    if (answer.end === 'drop') {
      finished = true;
      await new Promise<void>((resolve) => res.write('', () => resolve()));
      res.socket?.destroy();
      return;
    }
    if (answer.end === 'error')
      res.write(
        `event: error\ndata: ${JSON.stringify({ code: 'bad_input', message: 'prompt refused' })}\n\n`,
      );
    else res.write(`event: result\ndata: ${JSON.stringify(result)}\n\n`);
    finished = true;
    res.end();
  }
}

async function parseRequest(req: IncomingMessage): Promise<TaskCallReceived> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const body = Buffer.concat(parts);
  const type = req.headers['content-type'] ?? '';
  const base = { path: req.url ?? '', authorization: req.headers.authorization };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const image = form.get('image');
    const seg = form.get('seg_embedding');
    const width = form.get('width');
    return {
      ...base,
      format: 'multipart',
      kind: String(form.get('kind')),
      prompt: String(form.get('prompt')),
      seed: Number(form.get('seed')),
      ...(width ? { size: { width: Number(width), height: Number(form.get('height')) } } : {}),
      ...(image instanceof Blob
        ? { image: Buffer.from(await image.arrayBuffer()), imageMime: image.type }
        : {}),
      ...(seg instanceof Blob ? { segEmbedding: f32(Buffer.from(await seg.arrayBuffer())) } : {}),
    };
  }
  const json = JSON.parse(body.toString('utf8')) as {
    kind: string;
    prompt: string;
    seed: number;
    size?: { width: number; height: number };
    image?: { mime: string; data: string };
    segEmbedding?: string;
  };
  return {
    ...base,
    format: 'json',
    kind: json.kind,
    prompt: json.prompt,
    seed: json.seed,
    ...(json.size ? { size: json.size } : {}),
    ...(json.image ? { image: Buffer.from(json.image.data, 'base64'), imageMime: json.image.mime } : {}),
    ...(json.segEmbedding ? { segEmbedding: f32(Buffer.from(json.segEmbedding, 'base64')) } : {}),
  };
}

function f32(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i += 1) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** The media a kind produces: a PNG for images, a tiny ftyp box for video, a WAV header for audio. */
async function mediaFor(call: TaskCallReceived): Promise<{ bytes: Buffer; mime: string; filename: string }> {
  if (call.kind === 'video_generation') {
    const ftyp = Buffer.from([
      0,
      0,
      0,
      24,
      ...Buffer.from('ftypisom'),
      0,
      0,
      2,
      0,
      ...Buffer.from('isomiso2'),
    ]);
    return { bytes: Buffer.concat([ftyp, Buffer.alloc(64)]), mime: 'video/mp4', filename: 'clip.mp4' };
  }
  if (call.kind === 'audio_generation') {
    const wav = Buffer.alloc(44 + 32);
    wav.write('RIFF', 0);
    wav.writeUInt32LE(36 + 32, 4);
    wav.write('WAVEfmt ', 8);
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(8000, 24);
    wav.writeUInt32LE(16000, 28);
    wav.writeUInt16LE(2, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36);
    wav.writeUInt32LE(32, 40);
    return { bytes: wav, mime: 'audio/wav', filename: 'sound.wav' };
  }
  const width = call.size?.width ?? 16;
  const height = call.size?.height ?? 16;
  const bytes = await sharp({
    create: { width, height, channels: 3, background: { r: call.seed % 256, g: 90, b: 200 } },
  })
    .png()
    .toBuffer();
  return { bytes, mime: 'image/png', filename: `${call.kind}.png` };
}
