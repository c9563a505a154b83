// Streaming, limit-checked zip extraction with yauzl: check the whole central directory, then inflate.
import { createHash } from 'node:crypto';
import { close, createReadStream, createWriteStream, fstat, open } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { type Entry, fromFdPromise, type ZipFile } from 'yauzl';
import { errorMessage, SketchboardError } from '../errors.js';
import { type CheckedEntry, DirectoryCheck, unsafeEntry } from './entries.js';
import { type InflateBudget, InflateGuard } from './guard.js';
import { type ArchiveLimits, formatBytes } from './limits.js';

/** What an extraction produced: the archive's hash and size, and the bundle-relative file paths, sorted. */
export type Extracted = { sha256: string; sizeBytes: number; files: string[] };

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);

/** sha256 of an open file, streamed from offset 0 without closing the descriptor. */
async function hashFd(fd: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream('', { fd, start: 0, autoClose: false, emitClose: false })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** Read and check every central-directory entry before any data is inflated. */
async function checkDirectory(zip: ZipFile, limits: ArchiveLimits): Promise<CheckedEntry[]> {
  // The end record's count is all yauzl will ever read, so checking it here bounds the loop below.
  if (zip.entryCount > limits.maxEntries) {
    throw new SketchboardError(
      'unsafe_archive',
      `zip refused: it has ${zip.entryCount} entries, over the limit of ${limits.maxEntries}`,
    );
  }
  const check = new DirectoryCheck(limits);
  const checked: CheckedEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) checked.push(check.add(entry));
  } catch (err) {
    if (err instanceof SketchboardError) throw err;
    throw new SketchboardError('unsafe_archive', `zip refused: bad central directory: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  check.finish();
  return checked;
}

/** Inflate one file entry into `target` through an InflateGuard; the output file is closed before returning. */
async function extractFile(
  zip: ZipFile,
  item: CheckedEntry,
  target: string,
  budget: InflateBudget,
  limits: ArchiveLimits,
): Promise<void> {
  const entry: Entry = item.entry;
  let source: NodeJS.ReadableStream;
  try {
    source = await zip.openReadStreamPromise(entry);
  } catch (err) {
    throw unsafeEntry(item.name, `cannot be read: ${errorMessage(err)}`, err);
  }
  let sourceError: unknown;
  source.on('error', (err) => {
    sourceError ??= err;
  });
  const declared = {
    name: item.name,
    size: entry.uncompressedSize,
    compressedSize: entry.compressedSize,
    crc32: entry.crc32,
  };
  const out = createWriteStream(target, { flags: 'wx', mode: 0o644 });
  try {
    await pipeline(source, new InflateGuard(declared, budget, limits), out);
  } catch (err) {
    if (err instanceof SketchboardError) throw err;
    if (sourceError === undefined) {
      throw new SketchboardError('internal', `cannot write ${target}: ${errorMessage(err)}`, { cause: err });
    }
    const message = errorMessage(sourceError);
    const reason = /too many bytes/.test(message)
      ? `inflates past its declared size of ${entry.uncompressedSize} bytes`
      : `cannot be inflated: ${message}`;
    throw unsafeEntry(item.name, reason, sourceError);
  } finally {
    // Wait for the descriptor to close so the caller can remove the folder cleanly after a refusal.
    if (!out.closed) await new Promise<void>((done) => out.once('close', () => done()));
  }
}

/**
 * Extract `zipPath` into the existing empty folder `dir`, refusing unsafe archives with
 * SketchboardError('unsafe_archive'). The sha256 is streamed from the same descriptor yauzl then
 * reads, so it hashes exactly the bytes that were extracted. The caller removes `dir` on failure.
 *
 * @example
 * const { sha256, files } = await extractZip('bundle.zip', await mkdtemp(join(tmpdir(), 'b-')), DEFAULT_LIMITS);
 */
export async function extractZip(zipPath: string, dir: string, limits: ArchiveLimits): Promise<Extracted> {
  const label = basename(zipPath);
  let fd: number;
  try {
    fd = await openFd(zipPath, 'r');
  } catch (err) {
    throw new SketchboardError('not_found', `cannot open bundle ${zipPath}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  let zip: ZipFile | undefined;
  try {
    const info = await fstatFd(fd);
    if (!info.isFile()) throw new SketchboardError('invalid_argument', `bundle ${zipPath} is not a file`);
    const { size } = info;
    if (size > limits.maxArchiveBytes) {
      throw new SketchboardError(
        'unsafe_archive',
        `zip refused: ${label} is ${formatBytes(size)}, over the limit of ${formatBytes(limits.maxArchiveBytes)}`,
      );
    }
    const sha256 = await hashFd(fd);
    try {
      // Two passes over the central directory's entries need the file open between them, so we close it
      // ourselves (autoClose: false). decodeStrings: false keeps yauzl from refusing names with its own
      // messages: DirectoryCheck decodes them (strictly, backslashes kept) and says what is wrong.
      zip = await fromFdPromise(fd, {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: false,
        validateEntrySizes: true,
        strictFileNames: true,
      });
    } catch (err) {
      throw new SketchboardError(
        'unsafe_archive',
        `zip refused: ${label} is not a readable zip: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
    const checked = await checkDirectory(zip, limits);
    const budget: InflateBudget = { remaining: limits.maxTotalBytes };
    const files: string[] = [];
    for (const item of checked) {
      const target = join(dir, ...item.name.split('/'));
      if (item.kind === 'dir') {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(join(target, '..'), { recursive: true });
      await extractFile(zip, item, target, budget, limits);
      files.push(item.name);
    }
    return { sha256, sizeBytes: size, files: files.sort() };
  } finally {
    if (zip) zip.close();
    else await closeFd(fd).catch(() => undefined);
  }
}
