// Pack a bundle zip from a manifest and the files it names: deterministic (same inputs, same sha256) and atomic.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { tempSibling } from '../data/io.js';
import { SketchboardError } from '../errors.js';
import { log } from '../log.js';
import { neededFiles } from './contents.js';
import { digestTap } from './digest.js';
import { NameRegistry } from './entries.js';
import { parseJsonBytes, readCapped } from './files.js';
import { DEFAULT_LIMITS, formatBytes } from './limits.js';
import { MANIFEST_FILE, parseManifest } from './manifest.js';

export type PackOptions = {
  /** The manifest; model paths in it are relative to its folder. It is stored as `manifest.json` whatever its name. */
  manifestPath: string;
  /** The zip to write (replaced atomically). */
  out: string;
};

export type PackResult = { out: string; sha256: string; files: string[]; bytes: number };

/** Every entry gets this timestamp (local time, DOS format only) so packing is reproducible in any time zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--, whatever the source file's permissions. */
const FILE_MODE = 0o100644;

/**
 * Write a bundle zip: `manifest.json` (the manifest's bytes as read) first, then every model the
 * manifest names and every file those models reference, in sorted order, with fixed timestamps and
 * modes. JSON is deflated; weights are stored. Missing files, symlinks and paths outside the
 * manifest's folder are refused (SketchboardError 'invalid_manifest' / 'invalid_model').
 *
 * @example
 * const { sha256, files } = await packBundle({ manifestPath: 'runs/eva/manifest.json', out: 'eva.zip' });
 */
export async function packBundle(opts: PackOptions): Promise<PackResult> {
  const manifestAbs = resolve(opts.manifestPath);
  const out = resolve(opts.out);
  const root = dirname(manifestAbs);
  const label = basename(manifestAbs);
  const manifestBytes = await readCapped(manifestAbs, DEFAULT_LIMITS.maxJsonBytes, 'invalid_manifest', label);
  const manifest = parseManifest(parseJsonBytes(manifestBytes, 'invalid_manifest', label));
  const needed = await neededFiles(root, manifest);
  const files = [MANIFEST_FILE, ...needed];

  const names = new NameRegistry();
  for (const rel of files) {
    const clash = names.add(rel, 'file');
    if (clash) throw new SketchboardError('invalid_manifest', `cannot pack ${rel}: ${clash}`);
    if (rel !== MANIFEST_FILE && resolve(root, rel) === out) {
      throw new SketchboardError(
        'invalid_argument',
        `--out ${opts.out} would overwrite ${rel}, which the bundle needs`,
      );
    }
  }

  const zip = new ZipFile();
  const common = { mtime: FIXED_MTIME, mode: FILE_MODE, forceDosTimestamp: true };
  zip.addBuffer(manifestBytes, MANIFEST_FILE, { ...common, compress: true });
  for (const rel of needed) {
    zip.addFile(join(root, ...rel.split('/')), rel, {
      ...common,
      compress: rel.toLowerCase().endsWith('.json'),
    });
  }
  zip.end();

  const { tap, result } = digestTap();
  // yazl reports read errors (a file removed while packing) on the ZipFile, not on its output stream.
  zip.on('error', (err: Error) => tap.destroy(err));
  const temp = tempSibling(out);
  await mkdir(dirname(out), { recursive: true });
  try {
    // flush: fsync before close, so the rename below never publishes a half-written zip after a crash.
    await pipeline(zip.outputStream, tap, createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true }));
    await rename(temp, out);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const { sha256, bytes } = result();
  if (bytes > DEFAULT_LIMITS.maxArchiveBytes) {
    log.warn(
      `bundle is ${formatBytes(bytes)}; servers with default limits refuse zips over ${formatBytes(DEFAULT_LIMITS.maxArchiveBytes)}`,
    );
  }
  return { out, sha256, files, bytes };
}
