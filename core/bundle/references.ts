// Files a model needs besides itself (ONNX external data, TF.js weight shards), each checked to be a plain name in the bundle.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { z } from 'zod';
import { onnxExternalLocations } from '../backends/onnx-graph/external-data.js';
import { formatIssues, SketchboardError } from '../errors.js';
import { readJsonCapped, regularFileIn } from './files.js';
import { DEFAULT_LIMITS } from './limits.js';
import { modelFormatOf } from './manifest.js';

/** Protobuf messages are limited to 2 GiB; ONNX files larger than that keep weights as external data. */
const MAX_ONNX_BYTES = 2 ** 31 - 1;

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const NOT_IN_PLAIN_NAME = /[/\\:\u0000-\u001f\u007f]/;

/**
 * Why `name` is not a plain file name (no folders, no `..`, not absolute, no drive letter, no control
 * characters), or null when it is one.
 *
 * @example
 * plainNameReason('weights.bin'); // null
 * plainNameReason('../x'); // 'it is not a plain file name ...'
 */
export function plainNameReason(name: string): string | null {
  const bad =
    name === '' || name === '.' || name === '..' || NOT_IN_PLAIN_NAME.test(name) || name.length > 255;
  return bad ? 'it is not a plain file name (no folders, "..", absolute paths or drive letters)' : null;
}

const tfjsModelSchema = z.looseObject({
  modelTopology: z.unknown().refine((v) => v !== undefined, { message: 'missing' }),
  weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()) })).optional(),
});

/** Every path in a TF.js model.json's `weightsManifest[].paths`. */
export function tfjsWeightPaths(raw: unknown, label: string): string[] {
  const parsed = tfjsModelSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues);
    throw new SketchboardError('invalid_model', `${label} is not a TF.js model.json: ${problems}`);
  }
  return [...new Set((parsed.data.weightsManifest ?? []).flatMap((group) => group.paths))];
}

/**
 * The bundle-relative paths of every other file a model needs, sorted: ONNX external-data files or
 * TF.js weight shards. Each must be a plain file name, resolved in the model's own folder, and a
 * regular file (not a symlink) inside the bundle. Throws SketchboardError('invalid_model') naming the
 * model and the offending reference. Call it before loading any bytes of the model.
 *
 * @example
 * await modelReferences('/tmp/bundle', 'cnn/model.json'); // ['cnn/group1-shard1of2.bin', 'cnn/group1-shard2of2.bin']
 */
export async function modelReferences(
  bundleDir: string,
  modelPath: string,
  opts: { maxJsonBytes?: number } = {},
): Promise<string[]> {
  const format = modelFormatOf(modelPath);
  if (format === null) {
    throw new SketchboardError(
      'invalid_model',
      `model ${modelPath}: unknown format (expected .onnx or model.json)`,
    );
  }
  const model = await regularFileIn(bundleDir, modelPath, 'invalid_model', `model ${modelPath}`);
  let names: string[];
  if (format === 'onnx') {
    if (model.size > MAX_ONNX_BYTES) {
      throw new SketchboardError(
        'invalid_model',
        `model ${modelPath} is over 2 GiB; store its weights as external data`,
      );
    }
    names = onnxExternalLocations(await readFile(model.abs), `model ${modelPath}`);
  } else {
    const maxBytes = opts.maxJsonBytes ?? DEFAULT_LIMITS.maxJsonBytes;
    names = tfjsWeightPaths(
      await readJsonCapped(model.abs, maxBytes, 'invalid_model', `model ${modelPath}`),
      `model ${modelPath}`,
    );
  }
  const folder = posix.dirname(modelPath);
  const refs = new Set<string>();
  for (const name of names) {
    const reason = plainNameReason(name);
    if (reason) {
      throw new SketchboardError(
        'invalid_model',
        `model ${modelPath} references ${JSON.stringify(name)}: ${reason}; referenced files must sit next to the model`,
      );
    }
    const rel = folder === '.' ? name : `${folder}/${name}`;
    await regularFileIn(bundleDir, rel, 'invalid_model', `file ${rel} referenced by model ${modelPath}`);
    refs.add(rel);
  }
  return [...refs].sort();
}
