// Unit tests of the pieces behind openBundle: entry-name checks, the case-folding name registry, the inflate guard, limits.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NameRegistry, unsafeNameReason } from '../../core/bundle/entries.js';
import { type DeclaredEntry, InflateGuard } from '../../core/bundle/guard.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../core/bundle/limits.js';

describe('unsafeNameReason', () => {
  it.each([
    ['manifest.json', null],
    ['large/fold0.onnx', null],
    ['', 'empty name'],
    ['/abs', 'absolute path'],
    ['a/../b', '".." path component'],
    ['..', '".." path component'],
    ['a\\b', 'backslash in name'],
    ['c:evil', 'drive letter in name'],
    ['a\u0007b', 'NUL or control character in name'],
    ['./a', 'not a plain relative path (empty or "." component, ":" or over 255 characters)'],
    ['ab:c', 'not a plain relative path (empty or "." component, ":" or over 255 characters)'],
  ])('%j → %j', (name, reason) => {
    expect(unsafeNameReason(name)).toBe(reason);
  });
});

describe('NameRegistry', () => {
  it('accepts distinct files, shared parent folders and an explicit folder after its files', () => {
    const names = new NameRegistry();
    for (const [name, kind] of [
      ['a/b.bin', 'file'],
      ['a/c.bin', 'file'],
      ['a', 'dir'],
      ['b', 'file'],
    ] as const) {
      expect(names.add(name, kind)).toBeNull();
    }
  });

  it('refuses duplicates, case and Unicode-normalisation twins, and file/folder clashes', () => {
    const names = new NameRegistry();
    expect(names.add('Fam/x.bin', 'file')).toBeNull();
    expect(names.add('Fam/x.bin', 'file')).toBe('duplicate name');
    expect(names.add('fam/y.bin', 'file')).toBe(
      'folder "fam" differs only in case or Unicode normalisation from "Fam"',
    );
    expect(names.add('caf\u00e9.bin', 'file')).toBeNull();
    expect(names.add('cafe\u0301.bin', 'file')).toMatch(
      /differs only in case or Unicode normalisation from "café\.bin"/,
    );
    expect(names.add('Fam/x.bin/z', 'file')).toBe('"Fam/x.bin" is both a file and a folder');
    expect(names.add('Fam', 'dir')).toBeNull();
    expect(names.add('Fam', 'dir')).toBe('duplicate name');
  });
});

async function run(chunks: Buffer[], declared: Partial<DeclaredEntry>, budget = { remaining: 1e9 }) {
  const all = Buffer.concat(chunks);
  const full: DeclaredEntry = {
    name: 'e.bin',
    size: all.length,
    compressedSize: all.length,
    crc32: crc32(all),
    ...declared,
  };
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      received.push(chunk);
      cb();
    },
  });
  await pipeline(
    Readable.from(chunks),
    new InflateGuard(full, budget, { maxRatio: 10, ratioMinBytes: 100 }),
    sink,
  );
  return Buffer.concat(received);
}

describe('InflateGuard', () => {
  const data = [Buffer.alloc(60, 1), Buffer.alloc(60, 2)];

  it('passes honest data through unchanged and spends the budget', async () => {
    const budget = { remaining: 1000 };
    expect(await run(data, {}, budget)).toEqual(Buffer.concat(data));
    expect(budget.remaining).toBe(880);
  });

  it('stops an entry producing more bytes than declared', async () => {
    await expect(run(data, { size: 100 })).rejects.toMatchObject({
      code: 'unsafe_archive',
      message: 'zip entry "e.bin" refused: inflates past its declared size of 100 bytes',
    });
  });

  it('stops when the archive-wide budget runs out', async () => {
    await expect(run(data, {}, { remaining: 100 })).rejects.toThrow(
      /the archive inflates past its total size limit/,
    );
  });

  it('stops an entry inflating past maxRatio once over ratioMinBytes', async () => {
    await expect(run(data, { compressedSize: 11 })).rejects.toThrow(
      /zip entry "e\.bin" refused: inflates 120 B from 11 compressed bytes/,
    );
    expect(await run([Buffer.alloc(90)], { compressedSize: 1 })).toHaveLength(90); // under ratioMinBytes
  });

  it('refuses short data and a CRC mismatch at the end', async () => {
    await expect(run(data, { size: 500 })).rejects.toThrow(/inflates to 120 bytes, not the declared 500/);
    await expect(run(data, { crc32: 12345 })).rejects.toThrow(/CRC-32 mismatch/);
  });
});

describe('resolveLimits', () => {
  it('merges over DEFAULT_LIMITS and refuses non-positive values', () => {
    expect(resolveLimits({ maxEntries: 7 })).toEqual({ ...DEFAULT_LIMITS, maxEntries: 7 });
    expect(() => resolveLimits({ maxRatio: 0 })).toThrow(
      /archive limit maxRatio must be a positive number, got 0/,
    );
    expect(() => resolveLimits({ maxTotalBytes: Number.NaN })).toThrow(/maxTotalBytes/);
  });
});
