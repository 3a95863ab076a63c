// Runs the exported generators with onnxruntime-node on check_onnx.py's inputs and compares with torch.
// Usage: node training/generators/check_onnx.mjs models/demo/generators training/.cache/generators/onnx_ref.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [dir, refPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(refPath, 'utf8'));
let failed = 0;
for (const c of cases) {
  const session = await ort.InferenceSession.create(join(dir, c.file));
  const feeds = {};
  for (const [name, t] of Object.entries(c.feeds)) {
    const data = t.type === 'int64' ? BigInt64Array.from(t.data, (x) => BigInt(x)) : Float32Array.from(t.data);
    feeds[name] = new ort.Tensor(t.type, data, t.dims);
  }
  const out = (await session.run(feeds))[c.output];
  let maxErr = 0;
  let maxRef = 0;
  c.expected.data.forEach((v, i) => {
    maxErr = Math.max(maxErr, Math.abs(v - out.data[i]));
    maxRef = Math.max(maxRef, Math.abs(v));
  });
  const ok = out.data.length === c.expected.data.length && maxErr <= 1e-3 * Math.max(1, maxRef);
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.file} [${out.dims}] max |Δ| ${maxErr.toExponential(2)} (max |ref| ${maxRef.toFixed(3)})`);
}
process.exit(failed ? 1 : 0);
