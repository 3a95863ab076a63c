// Compares the JS tokenizer (the one the engine uses) with training/bpe.py on corpus pieces.
// Usage: node training/check_tokenizer.mjs <tokenizer.json> <pieces.jsonl>  (lines: {"text": ..., "ids": [...]})
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const [tokPath, piecesPath] = process.argv.slice(2);
const tok = new Tokenizer(JSON.parse(readFileSync(tokPath, 'utf8')), {});
let n = 0;
let bad = 0;
for (const line of readFileSync(piecesPath, 'utf8').split('\n')) {
  if (!line) continue;
  const { text, ids } = JSON.parse(line);
  const got = tok.encode(text, { add_special_tokens: false }).ids;
  n++;
  if (got.length !== ids.length || got.some((v, i) => v !== ids[i])) {
    bad++;
    if (bad <= 5) console.log('MISMATCH', JSON.stringify(text), JSON.stringify(ids), JSON.stringify(got));
  }
  const dec = tok.decode(got, { skip_special_tokens: false });
  if (dec !== text && bad < 5) console.log('DECODE', JSON.stringify(text), JSON.stringify(dec));
}
console.log(`${n} pieces, ${bad} mismatches`);
