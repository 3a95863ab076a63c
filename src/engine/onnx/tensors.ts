import * as ort from 'onnxruntime-node';
import { LlmbindError } from '../../core/errors.js';

/**
 * Tensors as plain typed arrays (what crosses worker boundaries) and their conversion to and from
 * `ort.Tensor`s of whatever dtype a session declares. Node 20 has no Float16Array: float16 data is
 * carried as IEEE-754 half-precision bit patterns in a Uint16Array.
 */

/** Element types this layer converts between. */
export type HostType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** Typed arrays a {@link HostTensor} may hold. */
export type HostData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array;

/** A tensor as plain data: the element type, the values (row-major) and the shape. */
export interface HostTensor {
  readonly type: HostType;
  readonly data: HostData;
  readonly dims: readonly number[];
}

const FLOAT_TYPES: ReadonlySet<string> = new Set(['float32', 'float16', 'float64']);

/** Whether `type` is a floating-point element type. */
export const isFloatType = (type: string): boolean => FLOAT_TYPES.has(type);

// ---------------------------------------------------------------------------------------------
// float32 <-> float16

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Rounds one number to the nearest float16 (ties to even) and returns its bit pattern. Overflow gives
 * ±Infinity, values below half the smallest subnormal give ±0, NaN stays a (quiet) NaN.
 */
export function f32ToF16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero) in float16: m = M · 2^(e − 14), M the 24-bit significand.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let bits = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to Infinity: exactly IEEE behaviour.
  if (rem > 0x1000 || (rem === 0x1000 && (bits & 1) === 1)) bits += 1;
  return sign | bits;
}

/** The value of a float16 bit pattern. */
export function f16BitsToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let f16Table: Float32Array | undefined;

/** float16 bit patterns → Float32Array (exact: every float16 is a float32). */
export function f16ToF32(bits: Uint16Array): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i += 1) f16Table[i] = f16BitsToF32(i);
  }
  const table = f16Table;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i += 1) out[i] = table[bits[i] ?? 0] ?? 0;
  return out;
}

/** Numbers → float16 bit patterns, rounding to nearest even. */
export function f32ToF16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i += 1) out[i] = f32ToF16Bits(values[i] ?? 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Host tensors

/** The element type a typed array stands for (Uint16Array is float16 bits, Uint8Array is uint8). */
export function hostTypeOf(data: HostData): HostType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint16Array) return 'float16';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** Builds a host tensor, checking that the element count matches the shape. */
export function hostTensor(
  data: HostData,
  dims: readonly number[],
  type: HostType = hostTypeOf(data),
): HostTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new LlmbindError(
      'bad_input',
      `tensor data has ${data.length} elements, shape [${dims}] needs ${count}`,
    );
  }
  return { type, data, dims: [...dims] };
}

/** Element values as numbers (float16 decoded; int64 via Number, exact below 2^53). */
function toNumbers(t: HostTensor): ArrayLike<number> {
  if (t.type === 'float16') return f16ToF32(t.data as Uint16Array);
  if (t.data instanceof BigInt64Array) return Array.from(t.data, Number);
  return t.data;
}

/** Converts the data of `t` to `type` (a no-op when it already has it). */
export function castHost(t: HostTensor, type: HostType): HostTensor {
  if (t.type === type) return t;
  const { dims } = t;
  if (type === 'int64') {
    const src = t.data;
    const out = new BigInt64Array(src.length);
    const nums = toNumbers(t);
    for (let i = 0; i < out.length; i += 1) out[i] = BigInt(Math.trunc(nums[i] ?? 0));
    return { type, data: out, dims };
  }
  const nums = toNumbers(t);
  switch (type) {
    case 'float32':
      return { type, data: Float32Array.from(nums), dims };
    case 'float64':
      return { type, data: Float64Array.from(nums), dims };
    case 'float16':
      return { type, data: f32ToF16(nums), dims };
    case 'int32':
      return { type, data: Int32Array.from(nums), dims };
    case 'int8':
      return { type, data: Int8Array.from(nums), dims };
    case 'uint8':
      return { type, data: Uint8Array.from(nums), dims };
    case 'bool':
      return { type, data: Uint8Array.from(nums, (v) => (v !== 0 ? 1 : 0)), dims };
  }
}

/** Whether ort can hold this dtype as a {@link HostTensor}. */
function asHostType(type: string): HostType {
  switch (type) {
    case 'float32':
    case 'float16':
    case 'float64':
    case 'int64':
    case 'int32':
    case 'int8':
    case 'uint8':
    case 'bool':
      return type;
    default:
      throw new LlmbindError('bundle_invalid', `unsupported tensor element type ${type}`);
  }
}

/** Builds an `ort.Tensor` of the `declared` dtype (a session input's type) from host data, casting. */
export function toOrtTensor(t: HostTensor, declared: string = t.type): ort.Tensor {
  const cast = castHost(t, asHostType(declared));
  return new ort.Tensor(cast.type, cast.data, cast.dims);
}

/** Copies an `ort.Tensor` out as a host tensor (float types become float32). */
export function fromOrtTensor(tensor: ort.Tensor): HostTensor {
  const type = asHostType(tensor.type);
  if (isFloatType(type)) return { type: 'float32', data: readFloat32(tensor), dims: [...tensor.dims] };
  const data = tensor.data as HostData;
  return { type, data: data.slice() as HostData, dims: [...tensor.dims] };
}

/**
 * Reads a tensor's values (or `count` values from element `offset`) as a fresh Float32Array,
 * whatever its dtype.
 */
export function readFloat32(tensor: ort.Tensor, offset = 0, count = tensor.size - offset): Float32Array {
  const data = tensor.data;
  if (tensor.type === 'float16') return f16ToF32((data as Uint16Array).subarray(offset, offset + count));
  if (data instanceof Float32Array) return data.slice(offset, offset + count);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Float32Array.from(data.subarray(offset, offset + count), Number);
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    return Float32Array.from((data as Float64Array).subarray(offset, offset + count));
  }
  throw new LlmbindError('engine_failed', `tensor of type ${tensor.type} cannot be read as numbers`);
}

/** An `ort.Tensor` of the declared dtype filled from plain numbers (ids, positions, masks). */
export function numbersTensor(
  values: ArrayLike<number>,
  dims: readonly number[],
  declared: string,
): ort.Tensor {
  if (declared === 'int64') {
    // The per-step hot path (ids, positions, masks): straight to BigInt64Array.
    const out = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i += 1) out[i] = BigInt(values[i] ?? 0);
    return toOrtTensor(hostTensor(out, dims, 'int64'), declared);
  }
  return toOrtTensor(hostTensor(Float64Array.from(values), dims, 'float64'), declared);
}

/** An attention mask of ones [1, length] in the declared dtype. */
export function onesMask(length: number, declared: string): ort.Tensor {
  if (declared === 'int64') return new ort.Tensor('int64', new BigInt64Array(length).fill(1n), [1, length]);
  return numbersTensor(new Uint8Array(length).fill(1), [1, length], declared);
}

/** An `ort.Tensor` of the declared dtype from float32 values (embeddings). */
export function floatTensor(values: Float32Array, dims: readonly number[], declared: string): ort.Tensor {
  return toOrtTensor(hostTensor(values, dims, 'float32'), declared);
}
