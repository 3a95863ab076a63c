// A task server for LLMBind's `http` task backend, in a few lines of Node (see docs/remote-backends.md).
// It "generates" a solid-colour PNG and streams progress over SSE when the client accepts it; replace
// `generate` with a call into your model (Stable Diffusion, AudioLDM, a video model…).
// Run: node docs/examples/task-server.mjs 8090, then set LLMBIND_TASK_IMAGE_GENERATION_URL=http://127.0.0.1:8090/generate
import { createServer } from 'node:http';
import sharp from 'sharp';

async function generate({ prompt, seed, size }, onStep) {
  const steps = 4;
  for (let step = 1; step <= steps; step += 1) onStep(step, steps); // a real model reports its denoising steps
  const { width = 256, height = 256 } = size ?? {};
  const background = { r: seed % 256, g: (prompt.length * 37) % 256, b: 160 };
  const png = await sharp({ create: { width, height, channels: 3, background } }).png().toBuffer();
  return { media: [{ mime: 'image/png', data: png.toString('base64'), altText: prompt }], seed };
}

export function createTaskServer() {
  return createServer(async (req, res) => {
    if (req.method !== 'POST') return res.writeHead(405).end();
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let request;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8')); // the `json` request format
    } catch {
      return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"bad_input"}}');
    }
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    if (sse) res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (event, data) => sse && res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      const result = await generate(request, (step, totalSteps) => send('progress', { step, totalSteps }));
      if (sse) res.end(`event: result\ndata: ${JSON.stringify(result)}\n\n`);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      const body = { code: 'task_failed', message: String(error) };
      if (sse) res.end(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
      else res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: body }));
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8090);
  createTaskServer().listen(port, '127.0.0.1', () => console.log(`task server on http://127.0.0.1:${port}`));
}
