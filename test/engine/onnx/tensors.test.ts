import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  castHost,
  f16BitsToF32,
  f16ToF32,
  f32ToF16,
  f32ToF16Bits,
  fromOrtTensor,
  hostTensor,
  readFloat32,
  toOrtTensor,
} from '../../../src/engine/onnx/tensors.js';

/** Reference rounding: the nearest float16 by exhaustive search over the finite values (ties to even). */
function nearestF16(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65504 + half an ulp (16) rounds to infinity
  let best = 0;
  let bestErr = Number.POSITIVE_INFINITY;
  for (let bits = 0; bits < 0x7c00; bits += 1) {
    const err = Math.abs(f16BitsToF32(bits) - a);
    if (err < bestErr || (err === bestErr && (bits & 1) === 0)) {
      best = bits;
      bestErr = err;
    }
  }
  return sign | best;
}

describe('float16 conversion', () => {
  it('encodes known values', () => {
    expect(f32ToF16Bits(0)).toBe(0x0000);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519.99)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(1e9)).toBe(0x7c00);
    expect(f32ToF16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(f32ToF16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(f32ToF16Bits(6.103515625e-5)).toBe(0x0400); // smallest normal
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // exact tie → even (0)
    expect(f32ToF16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 → even (2)
    expect(f32ToF16Bits(-(2 ** -30))).toBe(0x8000);
    const nan = f32ToF16Bits(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even, including across the subnormal/normal border', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa 0
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even mantissa 2
    expect(f32ToF16Bits(2047.5)).toBe(f32ToF16Bits(2048)); // carries into the exponent
    expect(f32ToF16Bits(6.1e-5)).toBe(0x03ff); // largest subnormal, just below the smallest normal
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 300; i += 1) {
      const x = Math.fround((next() - 0.5) * 2 ** Math.floor(next() * 40 - 26));
      expect(f32ToF16Bits(x)).toBe(nearestF16(x));
    }
  });

  it('decodes every bit pattern and round-trips all non-NaN values exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = f16ToF32(all);
    expect(values[0x3c00]).toBe(1);
    expect(values[0x0001]).toBe(2 ** -24);
    expect(values[0x7bff]).toBe(65504);
    expect(values[0xfc00]).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(values[0x7e00])).toBe(true);
    const back = f32ToF16(values);
    for (let i = 0; i < 65536; i += 1) {
      const nanBits = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (nanBits) expect(Number.isNaN(values[i])).toBe(true);
      else if (back[i] !== i)
        throw new Error(`0x${i.toString(16)} round-tripped to 0x${back[i]?.toString(16)}`);
    }
  });
});

describe('host tensors and ort tensors', () => {
  it('checks the element count against the shape', () => {
    expect(() => hostTensor(new Float32Array(5), [2, 3])).toThrow(/6/);
  });

  it('casts to the declared dtype', () => {
    const ids = hostTensor(new Float64Array([1, 2, 300]), [1, 3]);
    expect(Array.from(toOrtTensor(ids, 'int64').data as BigInt64Array)).toEqual([1n, 2n, 300n]);
    expect(toOrtTensor(ids, 'int32').data).toEqual(new Int32Array([1, 2, 300]));
    expect(toOrtTensor(hostTensor(new Float64Array([0, 2]), [2]), 'bool').data).toEqual(
      new Uint8Array([0, 1]),
    );
    const halves = toOrtTensor(hostTensor(new Float32Array([1, -2, 0.5]), [3]), 'float16');
    expect(halves.type).toBe('float16');
    expect(halves.data).toEqual(new Uint16Array([0x3c00, 0xc000, 0x3800]));
    const back = castHost(hostTensor(new BigInt64Array([5n, -7n]), [2]), 'float32');
    expect(back.data).toEqual(new Float32Array([5, -7]));
  });

  it('reads any numeric tensor as float32, and copies ints out unchanged', () => {
    const h = new ort.Tensor('float16', new Uint16Array([0x3c00, 0x4000, 0x3555]), [3]);
    expect(Array.from(readFloat32(h))).toEqual([1, 2, f16BitsToF32(0x3555)]);
    expect(Array.from(readFloat32(h, 1, 1))).toEqual([2]);
    const i64 = new ort.Tensor('int64', new BigInt64Array([3n, 4n]), [2]);
    expect(Array.from(readFloat32(i64))).toEqual([3, 4]);
    expect(fromOrtTensor(h)).toMatchObject({ type: 'float32', dims: [3] });
    const copied = fromOrtTensor(i64);
    expect(copied.type).toBe('int64');
    expect(copied.data).not.toBe(i64.data);
  });
});
