// The bundle check before a bundle is accepted: safe unzip, class count, every model loaded and run once.
import pLimit from 'p-limit';
import { digestBundle, type FileDigest } from '../../core/bundle/digest.js';
import type { Manifest } from '../../core/bundle/manifest.js';
import { openBundle, openBundleDir } from '../../core/bundle/open.js';
import { checkBundleModels } from '../../core/predict/models.js';
import { ServiceError } from '../services/errors.js';

/** What a bundle check found: the parsed manifest and every file's digest (path, bytes, sha256). */
export type CheckedBundle = { manifest: Manifest; files: FileDigest[] };

/**
 * Validates an uploaded bundle archive before it is accepted: safe unzip, manifest, class count, every
 * model loads and gives [N, classes]. Returns the manifest and file digests; throws 422-coded errors otherwise.
 */
export type ValidateBundle = (
  zipPath: string,
  opts: {
    classes: number;
    workDir: string;
    maxBytes: number;
    /** Called with the extracted folder and the digests once every check passed, before the folder goes. */
    onChecked?: (dir: string, files: FileDigest[]) => Promise<void>;
  },
) => Promise<CheckedBundle>;

/** Bundle checks load every model into memory: at most this many run at once per process (more wait). */
export const DEFAULT_VALIDATION_CONCURRENCY = 2;

/**
 * The default bundle check: safe unzip (core/bundle), class count, then every model loaded and run on a
 * dummy batch (core/predict); every file hashed. Nothing is left on disk.
 *
 * @example
 * const { manifest, files } = await validateBundleArchive('/tmp/upload.zip', { classes: 50, workDir, maxBytes });
 */
export const validateBundleArchive: ValidateBundle = async (
  zipPath,
  { classes, workDir, maxBytes, onChecked },
) => {
  const bundle = await openBundle(zipPath, { workDir, limits: { maxArchiveBytes: maxBytes } });
  try {
    if (bundle.manifest.classes !== classes) {
      throw new ServiceError(
        'invalid_bundle',
        `the bundle predicts ${bundle.manifest.classes} classes; this competition has ${classes}`,
      );
    }
    await checkBundleModels(bundle);
    const files = await digestBundle(bundle);
    await onChecked?.(bundle.dir, files);
    return { manifest: bundle.manifest, files };
  } finally {
    await bundle.dispose();
  }
};

/**
 * The same checks as {@link validateBundleArchive} on a bundle folder assembled from uploaded files (nothing
 * to unzip, files already digested): manifest and references (openBundleDir), class count, every model loaded
 * and run once. Returns the manifest.
 *
 * @example
 * const manifest = await validateBundleFolder('/data/tmp/sketchboard-bundle-x', { classes: 50 });
 */
export async function validateBundleFolder(dir: string, { classes }: { classes: number }): Promise<Manifest> {
  const bundle = await openBundleDir(dir);
  if (bundle.manifest.classes !== classes) {
    throw new ServiceError(
      'invalid_bundle',
      `the bundle predicts ${bundle.manifest.classes} classes; this competition has ${classes}`,
    );
  }
  await checkBundleModels(bundle);
  return bundle.manifest;
}

/**
 * `check` with at most `concurrency` checks running at once in this process; the others wait in arrival
 * order (p-limit).
 *
 * @example
 * const check = limitedBundleCheck(validateBundleArchive, 2);
 */
export function limitedBundleCheck(check: ValidateBundle, concurrency: number): ValidateBundle {
  const limit = pLimit(concurrency);
  return (zipPath, opts) => limit(() => check(zipPath, opts));
}
