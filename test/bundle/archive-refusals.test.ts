// openBundle refuses hostile archives (checked from the central directory and while inflating) and leaves nothing behind.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveLimits } from '../../core/bundle/limits.js';
import { openBundle } from '../../core/bundle/open.js';
import { manifestJson, tinyOnnx } from './fixtures.js';
import { type RawEntry, rawZip } from './rawzip.js';
import { expectOpenRefused, useWorkspace } from './refusals.js';

const ws = useWorkspace('sb-refuse-');

const MANIFEST: RawEntry = { name: 'manifest.json', data: manifestJson({ model: 'm.onnx' }), method: 8 };
const MODEL: RawEntry = { name: 'm.onnx', data: Buffer.from(tinyOnnx()) };

/** Expect openBundle to refuse the zip with `code` (unsafe_archive by default) and `message`, leaving nothing. */
const expectRefused = (
  entries: RawEntry[] | Buffer,
  message: RegExp,
  limits: Partial<ArchiveLimits> = {},
  code = 'unsafe_archive',
) => expectOpenRefused(ws, entries, code, message, limits);

describe('openBundle accepts a well-formed hand-made zip', () => {
  it('extracts stored and deflated entries and folder entries', async () => {
    const zipPath = join(ws.work, 'ok.zip');
    await writeFile(zipPath, rawZip([MANIFEST, { name: 'extra/', data: '' }, { ...MODEL, method: 8 }]));
    const bundle = await openBundle(zipPath, { workDir: ws.extractRoot });
    expect(bundle.files).toEqual(['m.onnx', 'manifest.json']);
    await bundle.dispose();
    expect(await readdir(ws.extractRoot)).toEqual([]);
  });
});

describe('openBundle refuses unsafe names', () => {
  const cases: [string, string, RegExp][] = [
    ['an absolute name', '/etc/passwd', /zip entry "\/etc\/passwd" refused: absolute path/],
    [
      'a ".." component',
      'models/../../evil.onnx',
      /zip entry "models\/\.\.\/\.\.\/evil\.onnx" refused: ".." path component/,
    ],
    ['a backslash', 'models\\evil.onnx', /zip entry "models\\\\evil\.onnx" refused: backslash in name/],
    ['a drive letter', 'C:/evil.onnx', /zip entry "C:\/evil\.onnx" refused: drive letter in name/],
    ['a NUL character', 'evil\u0000.onnx', /zip entry "evil\\u0000\.onnx" refused: NUL or control character/],
    ['an empty component', 'a//b.onnx', /zip entry "a\/\/b\.onnx" refused: not a plain relative path/],
  ];
  it.each(cases)('refuses %s', async (_label, name, message) => {
    await expectRefused([MANIFEST, MODEL, { name, data: 'x' }], message);
  });
});

describe('openBundle refuses unsafe entries', () => {
  it('refuses a symlink entry', async () => {
    await expectRefused(
      [MANIFEST, { name: 'm.onnx', data: '/etc/passwd', unixMode: 0o120777 }],
      /zip entry "m\.onnx" refused: symlink entry/,
    );
  });

  it('refuses a duplicate name', async () => {
    await expectRefused([MANIFEST, MODEL, MANIFEST], /zip entry "manifest\.json" refused: duplicate name/);
  });

  it('refuses names that differ only in case', async () => {
    await expectRefused(
      [MANIFEST, MODEL, { name: 'M.onnx', data: 'x' }],
      /zip entry "M\.onnx" refused: file "M\.onnx" differs only in case .* from "m\.onnx"/,
    );
  });

  it('refuses a file that clashes with a folder, in either order', async () => {
    await expectRefused(
      [MANIFEST, MODEL, { name: 'm.onnx/x.bin', data: 'x' }],
      /"m\.onnx" is both a file and a folder/,
    );
    await expectRefused(
      [MANIFEST, { name: 'cnn/', data: '' }, { name: 'cnn', data: 'x' }],
      /zip entry "cnn" refused: "cnn" is both a file and a folder/,
    );
  });

  it('refuses an encrypted entry', async () => {
    await expectRefused(
      [MANIFEST, { ...MODEL, method: 8, flags: 0x1 }],
      /zip entry "m\.onnx" refused: encrypted entry/,
    );
  });

  it('refuses an unsupported compression method', async () => {
    await expectRefused(
      [MANIFEST, { ...MODEL, declaredMethod: 12 }],
      /zip entry "m\.onnx" refused: unsupported compression method 12/,
    );
  });
});

describe('openBundle refuses archives over the limits', () => {
  it('refuses more entries than maxEntries before reading any', async () => {
    const many = Array.from({ length: 4 }, (_, i) => ({ name: `f${i}.bin`, data: 'x' }));
    await expectRefused([MANIFEST, MODEL, ...many], /it has 6 entries, over the limit of 5/, {
      maxEntries: 5,
    });
  });

  it('refuses a total declared size over maxTotalBytes, naming the entry that crosses it', async () => {
    const big = (name: string): RawEntry => ({ name, data: Buffer.alloc(600, 1) });
    await expectRefused(
      [big('a.bin'), big('b.bin'), MANIFEST],
      /zip entry "b\.bin" refused: entries so far declare 1\.2 KiB uncompressed, over the limit of 1000 B/,
      { maxTotalBytes: 1000 },
    );
  });

  it('refuses a ratio bomb (one highly compressible entry)', async () => {
    await expectRefused(
      [MANIFEST, MODEL, { name: 'zeros.bin', data: Buffer.alloc(4 * 1024 * 1024), method: 8 }],
      /zip entry "zeros\.bin" refused: compression ratio \d+ is over the limit of 200/,
    );
  });

  it('refuses an archive whose overall ratio is too high even if each entry is small', async () => {
    const small = (i: number): RawEntry => ({ name: `z${i}.bin`, data: Buffer.alloc(900), method: 8 });
    await expectRefused(
      [small(0), small(1), small(2)],
      /zip refused: overall compression ratio \d+ is over the limit of 50/,
      {
        maxRatio: 50,
        ratioMinBytes: 1000,
      },
    );
  });

  it('refuses a zip file bigger than maxArchiveBytes', async () => {
    await expectRefused([MANIFEST, MODEL], /zip refused: bundle\.zip is \d+ B, over the limit of 100 B/, {
      maxArchiveBytes: 100,
    });
  });
});

describe('openBundle does not trust sizes while inflating', () => {
  it('refuses an entry that inflates past its declared size', async () => {
    await expectRefused(
      [MANIFEST, MODEL, { name: 'liar.bin', data: Buffer.alloc(200_000), method: 8, declaredSize: 10 }],
      /zip entry "liar\.bin" refused: inflates past its declared size of 10 bytes/,
    );
  });

  it('refuses an entry that inflates to less than declared', async () => {
    await expectRefused(
      [MANIFEST, MODEL, { name: 'short.bin', data: 'abc', method: 8, declaredSize: 1000 }],
      /zip entry "short\.bin" refused: cannot be inflated: not enough bytes/,
    );
  });

  it('refuses a stored entry whose sizes disagree', async () => {
    await expectRefused(
      [MANIFEST, { ...MODEL, declaredSize: 3 }],
      /zip refused: bad central directory: compressed\/uncompressed size mismatch for stored file/,
    );
  });

  it('refuses an entry whose CRC-32 does not match its data', async () => {
    await expectRefused(
      [MANIFEST, { ...MODEL, crc: 0xdeadbeef }],
      /zip entry "m\.onnx" refused: CRC-32 mismatch/,
    );
  });

  it('reports a missing path and a folder given as a zip', async () => {
    await expect(openBundle(join(ws.work, 'nope.zip'), { workDir: ws.extractRoot })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/cannot open bundle .*nope\.zip/),
    });
    await expect(openBundle(ws.work, { workDir: ws.extractRoot })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringMatching(/is not a file$/),
    });
    expect(await readdir(ws.extractRoot)).toEqual([]);
  });

  it('refuses a file that is not a zip', async () => {
    await expectRefused(
      Buffer.from('definitely not a zip file'),
      /zip refused: bundle\.zip is not a readable zip/,
    );
  });
});
