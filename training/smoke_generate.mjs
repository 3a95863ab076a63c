// End-to-end greedy generation with the pack, done the way docs/model-bundle.md tells the engine to:
// pieces encoded separately with the JS tokenizer, embed_tokens, <image> rows replaced by vision features,
// plain decoder with KV cache, [SEG] hidden state from the step that feeds [SEG] back in.
// Usage (repo root): node training/smoke_generate.mjs models/demo "draw a red circle on the left" [image.png]
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

const [dir, text, png] = process.argv.slice(2);
const man = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8'));
const llm = man.llm;
const tok = new Tokenizer(JSON.parse(readFileSync(`${dir}/${llm.tokenizer}`, 'utf8')), {});
const enc = (s) => tok.encode(s, { add_special_tokens: false }).ids;
const tpl = llm.chatTemplate;
const [uPre, uPost] = tpl.user.split('{text}');
const userText = tpl.userCase === 'lower' ? text.trim().toLowerCase() : text.trim(); // as the engine does
const ids = [...enc(tpl.system), ...enc(uPre), ...(png ? enc(tpl.image) : []), ...enc(userText), ...enc(uPost),
  ...enc(tpl.generation)];
const open = (f) => ort.InferenceSession.create(`${dir}/${f}`);
const [embed, dec, vis] = await Promise.all([open(llm.embedTokens), open(llm.decoder), open(llm.vision.encoder)]);
const H = llm.hiddenSize;
const i64 = (a, dims) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), dims);
const embedIds = async (a) => (await embed.run({ input_ids: i64(a, [1, a.length]) })).inputs_embeds.data;
let rows = Array.from(await embedIds(ids));
const imageId = tok.token_to_id(llm.imageToken);
if (png) {
  const n = llm.vision.size;
  const raw = await sharp(png).resize(n, n).removeAlpha().raw().toBuffer();
  const px = new Float32Array(3 * n * n);
  for (let i = 0; i < n * n; i++)
    for (let c = 0; c < 3; c++) px[c * n * n + i] = (raw[i * 3 + c] / 255 - llm.vision.mean[c]) / llm.vision.std[c];
  const feats = (await vis.run({ pixel_values: new ort.Tensor('float32', px, [1, 3, n, n]) })).image_features.data;
  const at = ids.indexOf(imageId);
  rows = [...rows.slice(0, at * H), ...feats, ...rows.slice((at + 1) * H)];
}
let S = rows.length / H;
let past = {};
for (let i = 0; i < llm.numLayers; i++)
  for (const kv of ['key', 'value'])
    past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, llm.numKeyValueHeads, 0, llm.headDim]);
let pos = 0;
const out = [];
const eos = tok.token_to_id(llm.eosToken);
const seg = tok.token_to_id('[SEG]');
let x = Float32Array.from(rows);
for (let step = 0; step < 64; step++) {
  const r = await dec.run({ inputs_embeds: new ort.Tensor('float32', x, [1, S, H]),
    attention_mask: i64(Array(pos + S).fill(1), [1, pos + S]),
    position_ids: i64(Array.from({ length: S }, (_, k) => pos + k), [1, S]), ...past });
  if (out.at(-1) === seg) console.log('[SEG] hidden state norm:', Math.hypot(...r.last_hidden_state.data.slice(-H)).toFixed(3));
  past = {};
  for (let i = 0; i < llm.numLayers; i++)
    for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = r[`present.${i}.${kv}`];
  pos += S;
  const V = r.logits.dims[2];
  const last = r.logits.data.slice((S - 1) * V, S * V);
  let best = 0;
  for (let v = 1; v < V; v++) if (last[v] > last[best]) best = v;
  if (best === eos) break;
  out.push(best);
  x = Float32Array.from(await embedIds([best]));
  S = 1;
}
console.log(JSON.stringify(tok.decode(out, { skip_special_tokens: false, clean_up_tokenization_spaces: false })));
