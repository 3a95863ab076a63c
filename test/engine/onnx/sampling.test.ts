import { describe, expect, it } from 'vitest';
import { argmax, banTokens, createRng, sampleToken } from '../../../src/engine/onnx/sampling.js';

describe('sampling', () => {
  const logits = Float32Array.from([1, 3, 2.9, -1, 0]);

  it('is greedy at temperature 0 (first index on ties)', () => {
    expect(sampleToken(logits, { temperature: 0, topP: 1 }, createRng(1))).toBe(1);
    expect(argmax(Float32Array.from([2, 5, 5]))).toBe(1);
  });

  it('draws reproducibly from a seed', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topP: 1 }, rng));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(new Set(draw(7)).size).toBeGreaterThan(2);
  });

  it('keeps only the nucleus under top-p', () => {
    const rng = createRng(3);
    // p(1) ≈ 0.47, p(2) ≈ 0.43: top-p 0.5 keeps tokens 1 and 2 only.
    const seen = new Set(
      Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1, topP: 0.5 }, rng)),
    );
    expect([...seen].sort()).toEqual([1, 2]);
    const tiny = new Set(
      Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topP: 0.01 }, rng)),
    );
    expect([...tiny]).toEqual([1]);
  });

  it('follows the temperature', () => {
    const rng = createRng(11);
    const cold = Array.from({ length: 300 }, () => sampleToken(logits, { temperature: 0.05, topP: 1 }, rng));
    expect(cold.filter((t) => t === 1).length).toBeGreaterThan(250);
  });

  it('bans tokens, but never all of them', () => {
    const l = Float32Array.from(logits);
    banTokens(l, new Set([1, 2]));
    expect(argmax(l)).toBe(0);
    const all = Float32Array.from(logits);
    banTokens(all, new Set([0, 1, 2, 3, 4]));
    expect(all).toEqual(logits);
  });
});
