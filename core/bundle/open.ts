// Open a model bundle safely: a zip extracted under limits into a fresh folder, or an unpacked folder, then checked.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { errorMessage, SketchboardError } from '../errors.js';
import { log } from '../log.js';
import { checkBundleDir } from './contents.js';
import { extractZip } from './extract.js';
import { listRegularFiles } from './files.js';
import { type ArchiveLimits, DEFAULT_LIMITS, resolveLimits } from './limits.js';
import type { Manifest } from './manifest.js';

/** A bundle ready to load: every model the manifest names and every file they reference is in `dir`. */
export type OpenedBundle = {
  /** Absolute folder holding the bundle's files. */
  dir: string;
  manifest: Manifest;
  /** sha256 (hex) of the zip; '' for a bundle opened from a folder, which has no archive to hash. */
  sha256: string;
  /** Size of the zip in bytes; for a folder, the summed size of the files the bundle needs. */
  sizeBytes: number;
  /** Every regular file in the bundle, bundle-relative, sorted. Files nobody names are never loaded. */
  files: string[];
  /** Remove the extracted folder (a no-op for openBundleDir). Safe to call twice. */
  dispose(): Promise<void>;
};

export type OpenBundleOptions = {
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<ArchiveLimits>;
  /** Parent of the extraction folder; default os.tmpdir(). */
  workDir?: string;
};

/**
 * Extract a bundle zip into a fresh folder and check it. Refuses unsafe archives (traversal,
 * symlinks, duplicates, encryption, bombs, lying sizes: SketchboardError 'unsafe_archive'), a missing
 * or invalid manifest ('invalid_manifest'), and missing or unsafe model files and references
 * ('invalid_manifest' / 'invalid_model'). On failure nothing is left on disk.
 *
 * @example
 * const bundle = await openBundle('upload.zip', { workDir: '/var/sketchboard/tmp' });
 * try { console.log(bundle.sha256, listLeaves(bundle.manifest)); } finally { await bundle.dispose(); }
 */
export async function openBundle(zipPath: string, opts: OpenBundleOptions = {}): Promise<OpenedBundle> {
  const limits = resolveLimits(opts.limits);
  const parent = resolve(opts.workDir ?? tmpdir());
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, 'sketchboard-bundle-'));
  const remove = () => rm(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    const { sha256, sizeBytes, files } = await extractZip(zipPath, dir, limits);
    const { manifest } = await checkBundleDir(dir, limits.maxJsonBytes, files);
    log.debug('bundle opened', { zipPath, dir, sha256, files: files.length });
    let disposed: Promise<void> | undefined;
    return {
      dir,
      manifest,
      sha256,
      sizeBytes,
      files,
      dispose: () => {
        disposed ??= remove();
        return disposed;
      },
    };
  } catch (err) {
    await remove().catch((rmErr: unknown) => {
      log.warn('could not remove refused bundle folder', { dir, error: errorMessage(rmErr) });
    });
    throw err;
  }
}

/**
 * Open an already-unpacked bundle folder (`manifest.json` inside) with the same manifest, model and
 * reference checks as openBundle. Nothing is copied: `dir` is the folder itself, `dispose` does
 * nothing, and `sha256` is '' because there is no archive (hashing a folder would not match any
 * uploaded zip's hash).
 *
 * @example
 * const bundle = await openBundleDir('./runs/eva02-5fold');
 */
export async function openBundleDir(
  dir: string,
  opts: { maxJsonBytes?: number } = {},
): Promise<OpenedBundle> {
  const root = resolve(dir);
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch (err) {
    throw new SketchboardError('not_found', `bundle folder ${dir} does not exist`, { cause: err });
  }
  if (!isDir) throw new SketchboardError('invalid_argument', `${dir} is not a folder`);
  const files = await listRegularFiles(root);
  const { manifest, needed } = await checkBundleDir(
    root,
    opts.maxJsonBytes ?? DEFAULT_LIMITS.maxJsonBytes,
    files,
  );
  let sizeBytes = 0;
  for (const rel of needed) sizeBytes += (await stat(join(root, ...rel.split('/')))).size;
  return { dir: root, manifest, sha256: '', sizeBytes, files, dispose: async () => {} };
}
