// What a bundle must contain: a valid manifest, every model it names, and every file those models reference.
import { type ErrorCode, SketchboardError } from '../errors.js';
import { readJsonCapped, regularFileIn } from './files.js';
import { DEFAULT_LIMITS } from './limits.js';
import { listLeaves, MANIFEST_FILE, type Manifest, parseManifest } from './manifest.js';
import { modelReferences } from './references.js';

/** A checked bundle folder: its manifest and the files it needs (manifest, models, references), sorted. */
export type BundleContents = { manifest: Manifest; needed: string[] };

/**
 * Read a manifest file (at most `maxJsonBytes`) and validate it with parseManifest.
 * Throws SketchboardError('invalid_manifest').
 *
 * @example
 * const { manifest, bytes } = await readManifestFile('/work/run/manifest.json');
 */
export async function readManifestFile(
  abs: string,
  label = MANIFEST_FILE,
  maxJsonBytes = DEFAULT_LIMITS.maxJsonBytes,
): Promise<Manifest> {
  return parseManifest(await readJsonCapped(abs, maxJsonBytes, 'invalid_manifest', label));
}

/**
 * Check that every model the manifest names is a regular file inside `root` and that every file
 * each model references is too. Returns the bundle-relative paths of the models and their
 * references (not the manifest itself), sorted and unique. Missing or unsafe models throw
 * SketchboardError(modelCode, default 'invalid_manifest'); bad references throw 'invalid_model'.
 *
 * @example
 * const files = await neededFiles('/tmp/bundle', manifest); // ['cnn/model.json', 'cnn/shard1.bin', 'large/fold0.onnx']
 */
export async function neededFiles(
  root: string,
  manifest: Manifest,
  opts: { maxJsonBytes?: number; modelCode?: ErrorCode } = {},
): Promise<string[]> {
  const needed = new Set<string>();
  const models = [...new Set(listLeaves(manifest).map((leaf) => leaf.model))];
  for (const model of models) {
    if (model === MANIFEST_FILE) {
      throw new SketchboardError(
        'invalid_manifest',
        `manifest.json is invalid: a model cannot be ${MANIFEST_FILE}`,
      );
    }
    await regularFileIn(
      root,
      model,
      opts.modelCode ?? 'invalid_manifest',
      `model ${model} named by the manifest`,
    );
    needed.add(model);
  }
  for (const model of models) {
    for (const ref of await modelReferences(root, model, { maxJsonBytes: opts.maxJsonBytes })) {
      if (ref === MANIFEST_FILE) {
        throw new SketchboardError('invalid_model', `model ${model} cannot reference ${MANIFEST_FILE}`);
      }
      needed.add(ref);
    }
  }
  return [...needed].sort();
}

/**
 * Check an unpacked bundle folder: `manifest.json` at its root, valid, and every file it needs
 * present. `files` (every regular file in the folder) is used only to hint where a misplaced
 * manifest is.
 *
 * @example
 * const { manifest, needed } = await checkBundleDir('/tmp/bundle', 64 << 20);
 */
export async function checkBundleDir(
  root: string,
  maxJsonBytes = DEFAULT_LIMITS.maxJsonBytes,
  files: string[] = [],
): Promise<BundleContents> {
  let manifestAbs: string;
  try {
    manifestAbs = (await regularFileIn(root, MANIFEST_FILE, 'invalid_manifest', MANIFEST_FILE)).abs;
  } catch (err) {
    const missing =
      err instanceof Error && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (!missing) throw err;
    const nested = files.find((f) => f.endsWith(`/${MANIFEST_FILE}`));
    const hint = nested ? ` (found ${nested}: zip the bundle folder's contents, not the folder itself)` : '';
    throw new SketchboardError('invalid_manifest', `the bundle has no ${MANIFEST_FILE} at its root${hint}`, {
      cause: err,
    });
  }
  const manifest = await readManifestFile(manifestAbs, MANIFEST_FILE, maxJsonBytes);
  const needed = await neededFiles(root, manifest, { maxJsonBytes });
  return { manifest, needed: [MANIFEST_FILE, ...needed].sort() };
}
