// Central-directory checks for zip entries (names, types, duplicates, sizes, ratios), run before anything is inflated.
import { type Entry, getFileNameLowLevel } from 'yauzl';
import { SketchboardError } from '../errors.js';
import { type ArchiveLimits, formatBytes } from './limits.js';
import { isSafeRelativePath } from './manifest.js';

/** An entry that passed every central-directory check. `name` has no trailing slash. */
export type CheckedEntry = { entry: Entry; name: string; kind: 'file' | 'dir' };

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** The error for a refused entry: code 'unsafe_archive', message naming the entry and the reason. */
export function unsafeEntry(name: string, reason: string, cause?: unknown): SketchboardError {
  return new SketchboardError('unsafe_archive', `zip entry ${JSON.stringify(name)} refused: ${reason}`, {
    cause,
  });
}

/**
 * Why an entry name (without its directory slash) is unsafe to extract, or null when it is fine.
 *
 * @example
 * unsafeNameReason('../etc/passwd'); // '".." path component'
 */
export function unsafeNameReason(name: string): string | null {
  if (name === '') return 'empty name';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'NUL or control character in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'drive letter in name';
  if (name.split('/').includes('..')) return '".." path component';
  if (!isSafeRelativePath(name))
    return 'not a plain relative path (empty or "." component, ":" or over 255 characters)';
  return null;
}

/**
 * Remembers every name (and each name's parent folders) case-folded, to refuse duplicates,
 * names that differ only in case or Unicode normalisation, and a file clashing with a folder.
 */
export class NameRegistry {
  private readonly seen = new Map<string, { name: string; kind: 'file' | 'dir'; explicit: boolean }>();

  /**
   * Register a file or folder name; returns why it clashes with an earlier one, or null.
   *
   * @example
   * const names = new NameRegistry(); names.add('a/b.bin', 'file'); names.add('A/c.bin', 'file'); // 'folder "A" ...'
   */
  add(name: string, kind: 'file' | 'dir'): string | null {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const clash = this.put(parts.slice(0, i).join('/'), 'dir', false);
      if (clash) return clash;
    }
    return this.put(name, kind, true);
  }

  private put(name: string, kind: 'file' | 'dir', explicit: boolean): string | null {
    const key = name.normalize('NFC').toLowerCase();
    const prev = this.seen.get(key);
    if (!prev) {
      this.seen.set(key, { name, kind, explicit });
      return null;
    }
    if (prev.kind !== kind) return `"${name}" is both a file and a folder`;
    if (prev.name !== name) {
      return `${kind === 'file' ? 'file' : 'folder'} "${name}" differs only in case or Unicode normalisation from "${prev.name}"`;
    }
    if (kind === 'file' || (explicit && prev.explicit)) return 'duplicate name';
    if (explicit) prev.explicit = true;
    return null;
  }
}

/** Checks each central-directory entry in turn and keeps the running totals. */
export class DirectoryCheck {
  private readonly names = new NameRegistry();
  private totalBytes = 0;
  private totalCompressed = 0;

  constructor(private readonly limits: ArchiveLimits) {}

  /**
   * Check one entry; throws SketchboardError('unsafe_archive') naming it.
   *
   * @example
   * const check = new DirectoryCheck(DEFAULT_LIMITS); for (const e of entries) checked.push(check.add(e)); check.finish();
   */
  add(entry: Entry): CheckedEntry {
    const rawName = getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      true,
    );
    const { limits } = this;
    const isDirName = rawName.endsWith('/');
    const name = isDirName ? rawName.slice(0, -1) : rawName;
    const reason = unsafeNameReason(name);
    if (reason) throw unsafeEntry(rawName, reason);

    const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) throw unsafeEntry(rawName, 'symlink entry (bundles may only hold regular files)');
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
      throw unsafeEntry(rawName, `special file entry (Unix type 0o${type.toString(8)})`);
    }
    if (type === S_IFDIR && !isDirName)
      throw unsafeEntry(rawName, 'folder entry whose name does not end in "/"');
    const kind = isDirName ? 'dir' : 'file';
    if (kind === 'dir' && entry.uncompressedSize > 0) throw unsafeEntry(rawName, 'folder entry with data');

    if (entry.generalPurposeBitFlag & 0x1) throw unsafeEntry(rawName, 'encrypted entry');
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw unsafeEntry(
        rawName,
        `unsupported compression method ${entry.compressionMethod} (only stored and deflate)`,
      );
    }

    const clash = this.names.add(name, kind);
    if (clash) throw unsafeEntry(rawName, clash);

    const size = entry.uncompressedSize;
    if (size > limits.ratioMinBytes) {
      const ratio = size / Math.max(entry.compressedSize, 1);
      if (ratio > limits.maxRatio) {
        throw unsafeEntry(
          rawName,
          `compression ratio ${ratio.toFixed(0)} is over the limit of ${limits.maxRatio}`,
        );
      }
    }
    this.totalBytes += size;
    this.totalCompressed += entry.compressedSize;
    if (this.totalBytes > limits.maxTotalBytes) {
      throw unsafeEntry(
        rawName,
        `entries so far declare ${formatBytes(this.totalBytes)} uncompressed, over the limit of ${formatBytes(limits.maxTotalBytes)}`,
      );
    }
    return { entry, name, kind };
  }

  /** Whole-archive checks after the last entry: the overall compression ratio. */
  finish(): void {
    const { limits } = this;
    if (this.totalBytes <= limits.ratioMinBytes) return;
    const ratio = this.totalBytes / Math.max(this.totalCompressed, 1);
    if (ratio > limits.maxRatio) {
      throw new SketchboardError(
        'unsafe_archive',
        `zip refused: overall compression ratio ${ratio.toFixed(0)} is over the limit of ${limits.maxRatio}`,
      );
    }
  }
}
