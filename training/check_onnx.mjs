// Numeric check of the exported ONNX files with onnxruntime-node (the engine's runtime) against the torch
// reference written by export.py: decoder prefill with past = 0, then one cached step; the other models once.
// Usage (from the repo root): node training/check_onnx.mjs models/demo training/.cache/onnx_ref.json
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [dir, refPath] = process.argv.slice(2);
const ref = JSON.parse(readFileSync(refPath, 'utf8'));
const { L, kvh, hd, H } = ref;
const f32 = (a, dims) => new ort.Tensor('float32', Float32Array.from(a), dims);
const i64 = (a, dims) => new ort.Tensor('int64', BigInt64Array.from(a.map((x) => BigInt(x))), dims);
let worst = 0;
function cmp(name, got, want) {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  if (got.length !== want.length) throw new Error(`${name}: length ${got.length} != ${want.length}`);
  worst = Math.max(worst, m);
  console.log(`${name}: max abs diff ${m.toExponential(2)}`);
}
const open = (f) => ort.InferenceSession.create(`${dir}/${f}`);
const embed = await open('embed_tokens.onnx');
const dec = await open('decoder_model.onnx');
const ids = ref.ids;
const { inputs_embeds: emb } = await embed.run({ input_ids: i64(ids, [1, ids.length]) });
const e = emb.data;
const feeds = { inputs_embeds: f32(e.slice(0, 5 * H), [1, 5, H]), attention_mask: i64([1, 1, 1, 1, 1], [1, 5]),
  position_ids: i64([0, 1, 2, 3, 4], [1, 5]) };
for (let i = 0; i < L; i++) {
  feeds[`past_key_values.${i}.key`] = f32([], [1, kvh, 0, hd]);
  feeds[`past_key_values.${i}.value`] = f32([], [1, kvh, 0, hd]);
}
const r1 = await dec.run(feeds);
cmp('prefill logits', r1.logits.data, ref.prefill_logits);
cmp('prefill last_hidden_state', r1.last_hidden_state.data, ref.prefill_hidden);
const step = { inputs_embeds: f32(e.slice(5 * H, 6 * H), [1, 1, H]), attention_mask: i64([1, 1, 1, 1, 1, 1], [1, 6]),
  position_ids: i64([5], [1, 1]) };
for (let i = 0; i < L; i++) {
  step[`past_key_values.${i}.key`] = r1[`present.${i}.key`];
  step[`past_key_values.${i}.value`] = r1[`present.${i}.value`];
}
const r2 = await dec.run(step);
cmp('cached step logits', r2.logits.data, ref.step_logits);
cmp('cached step last_hidden_state', r2.last_hidden_state.data, ref.step_hidden);
cmp('present.0.key', r2['present.0.key'].data, ref.present0_key);
const vis = await open('vision_encoder.onnx');
const v = await vis.run({ pixel_values: f32(ref.pixel_values, [1, 3, 64, 64]) });
cmp('image_features', v.image_features.data, ref.image_features);
const sp = await open('seg_projector.onnx');
const s = await sp.run({ hidden_states: f32(ref.hidden_states, [2, H]) });
cmp('seg_embeddings', s.seg_embeddings.data, ref.seg_embeddings);
const se = await open('seg_image_encoder.onnx');
const ie = await se.run({ pixel_values: f32(ref.pixel_values, [1, 3, 64, 64]) });
cmp('image_embeddings', ie.image_embeddings.data, ref.image_embeddings);
const md = await open('mask_decoder.onnx');
const ml = await md.run({ image_embeddings: ie.image_embeddings, prompt_embeddings: f32(ref.seg_embeddings, [1, 2, 256]) });
cmp('mask_logits', ml.mask_logits.data, ref.mask_logits);
console.log(`dims: mask_logits ${ml.mask_logits.dims}, image_embeddings ${ie.image_embeddings.dims}`);
console.log(worst < 1e-3 ? `OK (worst ${worst.toExponential(2)})` : `FAIL (worst ${worst.toExponential(2)})`);
process.exit(worst < 1e-3 ? 0 : 1);
