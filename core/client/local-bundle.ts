// A bundle on the participant's disk (zip or folder) as the plan path sends it: manifest text plus every other file's digest.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestFile, type FileDigest } from '../bundle/digest.js';
import { readCapped } from '../bundle/files.js';
import { DEFAULT_LIMITS } from '../bundle/limits.js';
import { MANIFEST_FILE } from '../bundle/manifest.js';
import { type OpenedBundle, openBundle, openBundleDir } from '../bundle/open.js';
import { SketchboardError } from '../errors.js';

/** A local file of the bundle: its digest and where it is. */
export type LocalFile = FileDigest & { abs: string };

/** What the plan request needs, and where each file is; `dispose` removes a zip's extraction folder. */
export type LocalBundle = {
  manifestText: string;
  /** Every file but manifest.json. */
  files: LocalFile[];
  dispose(): Promise<void>;
};

/**
 * Open a bundle zip (extracted under the usual limits) or folder with core's checks, read its manifest text
 * and digest every other file (streamed, two at a time).
 *
 * @example
 * const local = await digestLocalBundle('./runs/eva02-5fold');
 * try { console.log(local.files.length); } finally { await local.dispose(); }
 */
export async function digestLocalBundle(path: string, workDir?: string): Promise<LocalBundle> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new SketchboardError('invalid_argument', `cannot read ${path}: no such file or folder`, {
      cause: err,
    });
  }
  const bundle: OpenedBundle = isDir ? await openBundleDir(path) : await openBundle(path, { workDir });
  try {
    const bytes = await readCapped(
      join(bundle.dir, MANIFEST_FILE),
      DEFAULT_LIMITS.maxJsonBytes,
      'invalid_manifest',
      MANIFEST_FILE,
    );
    const others = bundle.files.filter((f) => f !== MANIFEST_FILE);
    const files: LocalFile[] = [];
    for (const rel of others) {
      const abs = join(bundle.dir, ...rel.split('/'));
      files.push({ path: rel, ...(await digestFile(abs)), abs });
    }
    return { manifestText: bytes.toString('utf8'), files, dispose: () => bundle.dispose() };
  } catch (err) {
    await bundle.dispose();
    throw err;
  }
}
