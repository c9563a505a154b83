// Typed readers over a TF.js layer's loosely typed getConfig() dictionary, failing with invalid_model.
import type { serialization } from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';

type ConfigValue = serialization.ConfigDictValue;

/**
 * One layer's config with readers that check types instead of casting.
 *
 * @example
 * const cfg = new LayerConfig('Conv2D', 'conv1', layer.getConfig());
 * const [sh, sw] = cfg.pair('strides'); // [2, 2]
 */
export class LayerConfig {
  constructor(
    readonly className: string,
    readonly layerName: string,
    private readonly dict: serialization.ConfigDict,
  ) {}

  /** An error naming this layer; use for unsupported options. */
  fail(message: string, cause?: unknown): SketchboardError {
    return new SketchboardError(
      'invalid_model',
      `ONNX export: layer "${this.layerName}" (${this.className}): ${message}`,
      cause === undefined ? undefined : { cause },
    );
  }

  private raw(key: string): ConfigValue | undefined {
    return this.dict[key];
  }

  /** A number; `fallback` when the key is absent or null. */
  num(key: string, fallback?: number): number {
    const v = this.raw(key);
    if (v == null && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.fail(`option "${key}" is not a number`);
    return v;
  }

  /** A number, or null when absent/null. */
  optNum(key: string): number | null {
    const v = this.raw(key);
    return v == null ? null : this.num(key);
  }

  /** A string; `fallback` when the key is absent or null. */
  str(key: string, fallback?: string): string {
    const v = this.raw(key);
    if (v == null && fallback !== undefined) return fallback;
    if (typeof v !== 'string') throw this.fail(`option "${key}" is not a string`);
    return v;
  }

  /** A boolean; `fallback` when the key is absent or null. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v == null) return fallback;
    if (typeof v !== 'boolean') throw this.fail(`option "${key}" is not a boolean`);
    return v;
  }

  /** A 2-D size given as a number or a pair (kernelSize, strides, dilationRate, poolSize). */
  pair(key: string, fallback?: [number, number]): [number, number] {
    const v = this.raw(key);
    if (v == null && fallback !== undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return [v, v];
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0)
    ) {
      return [v[0] as number, v[1] as number];
    }
    if (
      Array.isArray(v) &&
      v.length === 1 &&
      typeof v[0] === 'number' &&
      Number.isInteger(v[0]) &&
      v[0] > 0
    ) {
      return [v[0], v[0]];
    }
    throw this.fail(`option "${key}" is not a positive integer or a pair of them: ${JSON.stringify(v)}`);
  }

  /** A single axis given as a number or a one-element list (Softmax `axis`). */
  axis(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v == null) return fallback;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number' && Number.isInteger(v[0])) return v[0];
    throw this.fail(`option "${key}" must be a single axis, got ${JSON.stringify(v)}`);
  }

  /** `padding`: only 'same' and 'valid' have an ONNX equivalent here. */
  padding(): 'same' | 'valid' {
    const p = this.str('padding', 'valid');
    if (p === 'same' || p === 'valid') return p;
    throw this.fail(`padding "${p}" is not supported (use 'same' or 'valid')`);
  }

  /** Refuses channelsFirst: exported models follow TF.js's default NHWC layout. */
  requireChannelsLast(): void {
    const f = this.str('dataFormat', 'channelsLast');
    if (f !== 'channelsLast') throw this.fail(`dataFormat "${f}" is not supported (only channelsLast)`);
  }
}
