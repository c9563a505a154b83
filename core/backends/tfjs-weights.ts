// TF.js model.json: schema, kind detection and the byte-exact weight-size check done before any decoding.
import { z } from 'zod';
import { formatIssues, SketchboardError } from '../errors.js';

const finite = z.number().refine(Number.isFinite, 'must be finite');

const quantizationSchema = z.looseObject({
  dtype: z.enum(['uint8', 'uint16', 'float16']),
  scale: finite.optional(),
  min: finite.optional(),
});

const weightSchema = z.looseObject({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)).max(8),
  dtype: z.string(),
  group: z.string().optional(),
  quantization: quantizationSchema.optional(),
});

const groupSchema = z.looseObject({
  paths: z.array(z.string().min(1)).min(1),
  weights: z.array(weightSchema),
});

/** The parts of model.json we rely on; everything else passes through to TF.js untouched. */
export const modelJsonSchema = z.looseObject({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(groupSchema),
  trainingConfig: z.record(z.string(), z.unknown()).optional(),
  signature: z.record(z.string(), z.unknown()).optional(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  modelInitializer: z.record(z.string(), z.unknown()).optional(),
  initializerSignature: z.record(z.string(), z.unknown()).optional(),
});

export type ModelJson = z.infer<typeof modelJsonSchema>;
export type WeightGroup = ModelJson['weightsManifest'][number];
export type WeightEntry = WeightGroup['weights'][number];

/** Bytes per element as stored in a shard. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Validates parsed model.json (read with a size cap) for the structure we depend on. */
export function parseModelJson(raw: unknown): ModelJson {
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SketchboardError('invalid_model', `model.json: ${formatIssues(parsed.error.issues)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** 'layers' for a LayersModel, 'graph' for a GraphModel, judged by `format` then by the topology's shape. */
export function modelKind(json: ModelJson): 'layers' | 'graph' {
  if (json.format === 'layers-model') return 'layers';
  if (json.format === 'graph-model') return 'graph';
  const topo = json.modelTopology;
  if ('model_config' in topo || 'class_name' in topo) return 'layers';
  if (Array.isArray(topo.node)) return 'graph';
  throw new SketchboardError(
    'invalid_model',
    `model.json is neither a layers-model nor a graph-model (format ${JSON.stringify(json.format ?? null)})`,
  );
}

/**
 * Bytes one weight occupies in its shard: elements × stored size (the quantized size when quantized).
 * Refuses `string` and other dtypes whose size is not fixed.
 *
 * @example
 * weightBytes({ name: 'k', shape: [3, 3, 1, 8], dtype: 'float32' }); // 288
 * weightBytes({ name: 'k', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: 0 } }); // 10
 */
export function weightBytes(w: WeightEntry): number {
  const elements = w.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(elements))
    throw new SketchboardError('invalid_model', `weight ${w.name}: shape too large`);
  if (w.dtype === 'string') {
    throw new SketchboardError('invalid_model', `weight ${w.name}: string weights are not accepted`);
  }
  const q = w.quantization;
  if (q) {
    if (w.dtype !== 'float32' && w.dtype !== 'int32') {
      throw new SketchboardError(
        'invalid_model',
        `weight ${w.name}: quantized weights must be float32 or int32`,
      );
    }
    if (q.dtype !== 'float16' && (q.scale === undefined || q.min === undefined)) {
      throw new SketchboardError(
        'invalid_model',
        `weight ${w.name}: ${q.dtype} quantization needs scale and min`,
      );
    }
    return elements * QUANTIZED_BYTES[q.dtype];
  }
  const size = DTYPE_BYTES[w.dtype];
  if (size === undefined) {
    throw new SketchboardError(
      'invalid_model',
      `weight ${w.name}: unsupported dtype ${JSON.stringify(w.dtype)}`,
    );
  }
  return elements * size;
}

/**
 * Checks, per weight group, that the declared weights fill the group's shards exactly (no byte missing,
 * none extra). `shardBytes[g][i]` is the size of group g's i-th shard.
 *
 * @example
 * checkWeightSizes(json.weightsManifest, [[4096, 1200]]);
 */
export function checkWeightSizes(
  groups: readonly WeightGroup[],
  shardBytes: readonly (readonly number[])[],
): void {
  groups.forEach((group, g) => {
    const declared = group.weights.reduce((sum, w) => sum + weightBytes(w), 0);
    const actual = (shardBytes[g] ?? []).reduce((a, b) => a + b, 0);
    if (declared !== actual) {
      throw new SketchboardError(
        'invalid_model',
        `weight group ${g} (${group.paths.join(', ')}): weights declare ${declared} bytes but the shards hold ${actual}`,
      );
    }
  });
}
