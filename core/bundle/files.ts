// Safe file access inside a bundle folder: regular files only, never through symlinks, JSON with a size cap.
import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type ErrorCode, errorMessage, SketchboardError } from '../errors.js';
import { isSafeRelativePath } from './manifest.js';

/** A regular file inside a bundle: absolute path and size. */
export type BundleFile = { abs: string; size: number };

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Resolve a bundle-relative path to a regular file inside `root`: the path must be safe (see
 * isSafeRelativePath), the file must exist, must not be a symlink, and its real path must stay inside
 * the real `root` (no symlinked folders on the way). Failures throw SketchboardError(code) whose
 * message starts with `what`.
 *
 * @example
 * const { abs } = await regularFileIn(dir, 'large/fold0.onnx', 'invalid_manifest', 'model "large/fold0.onnx"');
 */
export async function regularFileIn(
  root: string,
  rel: string,
  code: ErrorCode,
  what: string,
): Promise<BundleFile> {
  if (!isSafeRelativePath(rel)) {
    throw new SketchboardError(code, `${what} is not a plain relative path inside the bundle`);
  }
  const abs = join(root, ...rel.split('/'));
  let stat: Awaited<ReturnType<typeof lstat>>;
  try {
    stat = await lstat(abs);
  } catch (err) {
    if (isMissing(err))
      throw new SketchboardError(code, `${what} is missing from the bundle`, { cause: err });
    throw new SketchboardError(code, `${what} cannot be read: ${errorMessage(err)}`, { cause: err });
  }
  if (stat.isSymbolicLink())
    throw new SketchboardError(code, `${what} is a symlink; bundles hold regular files only`);
  if (!stat.isFile()) throw new SketchboardError(code, `${what} is not a regular file`);
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(abs)]);
  const inside = relative(realRoot, realFile);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || inside.startsWith(sep)) {
    throw new SketchboardError(
      code,
      `${what} resolves outside the bundle folder (through a symlinked folder)`,
    );
  }
  return { abs, size: stat.size };
}

/**
 * Read a whole file of at most `maxBytes`; a larger one throws SketchboardError(code) naming `label`.
 *
 * @example
 * const bytes = await readCapped('/run/manifest.json', 1 << 20, 'invalid_manifest', 'manifest.json');
 */
export async function readCapped(
  abs: string,
  maxBytes: number,
  code: ErrorCode,
  label: string,
): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(abs, 'r');
  } catch (err) {
    throw new SketchboardError(code, `${label} cannot be read: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes)
      throw new SketchboardError(code, `${label} is ${size} bytes, over the limit of ${maxBytes}`);
    const buf = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Parse UTF-8 JSON bytes (a leading BOM is ignored); invalid JSON throws SketchboardError(code) naming `label`.
 *
 * @example
 * parseJsonBytes(Buffer.from('{"a":1}'), 'invalid_model', 'cnn/model.json'); // { a: 1 }
 */
export function parseJsonBytes(bytes: Buffer, code: ErrorCode, label: string): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new SketchboardError(code, `${label} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Read a JSON file of at most `maxBytes` (readCapped + parseJsonBytes).
 *
 * @example
 * const raw = await readJsonCapped('/b/manifest.json', 1 << 20, 'invalid_manifest', 'manifest.json');
 */
export async function readJsonCapped(
  abs: string,
  maxBytes: number,
  code: ErrorCode,
  label: string,
): Promise<unknown> {
  return parseJsonBytes(await readCapped(abs, maxBytes, code, label), code, label);
}

/**
 * Every regular file under `root`, as sorted bundle-relative paths with forward slashes. Symlinks
 * are neither followed nor listed.
 *
 * @example
 * await listRegularFiles('/tmp/bundle'); // ['cnn/model.json', 'manifest.json', ...]
 */
export async function listRegularFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    for (const dirent of await readdir(join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
      if (dirent.isDirectory()) pending.push(child);
      else if (dirent.isFile()) out.push(child);
    }
  }
  return out.sort();
}
