// Preprocessing numbers on tiny hand-made images: orientation, alpha, colour, resize modes, layout, mean/std, flips.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InputSpec, inputSpec } from '../../core/bundle/manifest.js';
import { isSketchboardError } from '../../core/errors.js';
import { batchDims, decodeImage, flipTensor, preprocessBatch } from '../../core/predict/preprocess.js';

let dir: string;
const spec = (over: Partial<InputSpec>): InputSpec => ({
  ...inputSpec({ size: [2, 2], channels: 3, layout: 'NHWC' }),
  ...over,
});
const rawImage = (pixels: number[], width: number, height: number, channels: 1 | 3 | 4) =>
  sharp(Buffer.from(pixels), { raw: { width, height, channels } });
const close = (actual: Float32Array, expected: number[], tol = 1e-5) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]), `index ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  });
};

/** A 16-bit-per-channel PNG (colour type 2 RGB or 0 gray), written by hand: sharp writes 8-bit ones. */
function png16(width: number, height: number, gray: boolean, values: number[]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([head, body, crc]);
  };
  const ch = gray ? 1 : 3;
  const rows = Buffer.alloc(height * (1 + width * ch * 2));
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * ch; i++)
      rows.writeUInt16BE(values[y * width * ch + i], y * (1 + width * ch * 2) + 1 + 2 * i);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, gray ? 0 : 2, 0, 0, 0], 8);
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([
    sig,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-pre-'));
  // 2×2 RGB: black, white / red, gray 128.
  await rawImage([0, 0, 0, 255, 255, 255, 255, 0, 0, 128, 128, 128], 2, 2, 3)
    .png()
    .toFile(join(dir, 'rgb.png'));
  // 1×2 RGBA: transparent black, opaque blue.
  await rawImage([0, 0, 0, 0, 0, 0, 255, 255], 2, 1, 4).png().toFile(join(dir, 'alpha.png'));
  // 16 wide × 8 high, left half black, right half white, stored with EXIF orientation 6 (rotate 90° CW).
  const stripes = Array.from({ length: 8 * 16 }, (_, i) => (i % 16 < 8 ? 0 : 255));
  await rawImage(stripes, 16, 8, 1)
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toFile(join(dir, 'rotated.jpg'));
  // 4 wide × 2 high black: letterboxed into 4×4 it gets a white row above and below.
  await rawImage(new Array(8).fill(0), 4, 2, 1).png().toFile(join(dir, 'wide.png'));
  await writeFile(join(dir, 'broken.png'), Buffer.from('not an image at all'));
  await writeFile(join(dir, 'rgb16.png'), png16(2, 1, false, [0, 65535, 32896, 65535, 0, 1028]));
  await writeFile(join(dir, 'gray16.png'), png16(2, 1, true, [65535, 32896]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('preprocessBatch', () => {
  it('scales a 2×2 PNG to [0,1] in NHWC and NCHW', async () => {
    const nhwc = spec({ layout: 'NHWC' });
    const nchw = spec({ layout: 'NCHW' });
    const t = await preprocessBatch([join(dir, 'rgb.png')], [nhwc, nchw]);
    expect(t.size).toBe(2);
    const g = 128 / 255;
    const a = [...t.values()];
    expect(a[0].dims).toEqual([1, 2, 2, 3]);
    close(a[0].data, [0, 0, 0, 1, 1, 1, 1, 0, 0, g, g, g]);
    expect(a[1].dims).toEqual([1, 3, 2, 2]);
    close(a[1].data, [0, 1, 1, g, 0, 1, 0, g, 0, 1, 0, g]);
  });

  it('applies (x - mean) / std per channel', async () => {
    const s = spec({ mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] });
    const [t] = (await preprocessBatch([join(dir, 'rgb.png')], [s])).values();
    const g = 128 / 255;
    close(t.data, [-1, -1, 0, 1, 3, 0.5, 1, -1, 0, (g - 0.5) / 0.5, (g - 0.25) / 0.25, g / 2]);
  });

  it('converts to grayscale for channels 1 (grays stay, red becomes a mid gray)', async () => {
    const [t] = (
      await preprocessBatch([join(dir, 'rgb.png')], [spec({ channels: 1, mean: [0], std: [1] })])
    ).values();
    expect(t.dims).toEqual([1, 2, 2, 1]);
    close(t.data.subarray(0, 2), [0, 1]);
    expect(t.data[2]).toBeGreaterThan(0.2);
    expect(t.data[2]).toBeLessThan(0.8);
    close(t.data.subarray(3), [128 / 255], 1.5 / 255);
  });

  it('flattens alpha on white', async () => {
    const [t] = (await preprocessBatch([join(dir, 'alpha.png')], [spec({ size: [1, 2] })])).values();
    close(t.data, [1, 1, 1, 0, 0, 1]);
  });

  it('applies EXIF orientation before resizing', async () => {
    const pixels = await decodeImage(join(dir, 'rotated.jpg'), spec({ size: [16, 8], channels: 1 }));
    // Displayed upright the image is 8 wide × 16 high: black on top, white below.
    expect(pixels.length).toBe(16 * 8);
    expect(pixels[2 * 8 + 4]).toBeLessThan(20);
    expect(pixels[13 * 8 + 4]).toBeGreaterThan(235);
  });

  it('letterboxes centred on white, stretches without padding', async () => {
    const box = await decodeImage(
      join(dir, 'wide.png'),
      spec({ size: [4, 4], channels: 1, resize: 'letterbox' }),
    );
    expect([...box]).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    const fill = await decodeImage(
      join(dir, 'wide.png'),
      spec({ size: [4, 4], channels: 1, resize: 'stretch' }),
    );
    expect([...fill]).toEqual(new Array(16).fill(0));
  });

  it('batches several images at their index', async () => {
    const [t] = (
      await preprocessBatch(
        [join(dir, 'wide.png'), join(dir, 'rgb.png')],
        [spec({ channels: 1, mean: [0], std: [1] })],
      )
    ).values();
    expect(t.dims).toEqual([2, 2, 2, 1]);
    close(t.data.subarray(0, 4), [0, 0, 0, 0]);
    close(t.data.subarray(4, 6), [0, 1]);
  });

  it('reads 16-bit PNGs as 8-bit values scaled to [0,1]', async () => {
    const rgb = await decodeImage(join(dir, 'rgb16.png'), spec({ size: [1, 2] }));
    expect([...rgb]).toEqual([0, 255, 128, 255, 0, 4]);
    const gray = await decodeImage(join(dir, 'gray16.png'), spec({ size: [1, 2] }));
    expect([...gray]).toEqual([255, 255, 255, 128, 128, 128]);
  });

  it('names the file of an unreadable image', async () => {
    const bad = join(dir, 'broken.png');
    const err = await preprocessBatch([join(dir, 'rgb.png'), bad], [spec({})]).catch((e: unknown) => e);
    expect(isSketchboardError(err, 'invalid_data')).toBe(true);
    expect((err as Error).message).toContain(bad);
    const missing = await decodeImage(join(dir, 'nope.png'), spec({})).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('nope.png');
  });
});

describe('flipTensor', () => {
  // One image, 2 channels, 2 high, 3 wide; value = 100*c + 10*y + x.
  const nchw = {
    data: Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]),
    dims: [1, 2, 2, 3],
  };
  const nhwc = {
    data: Float32Array.from([0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112]),
    dims: batchDims(spec({ size: [2, 3], channels: 1 }), 1).map((d, i) => (i === 3 ? 2 : d)),
  };

  it('mirrors the width axis (hflip) in both layouts', () => {
    expect([...flipTensor(nchw, 'NCHW', 'hflip').data]).toEqual([
      2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110,
    ]);
    expect([...flipTensor(nhwc, 'NHWC', 'hflip').data]).toEqual([
      2, 102, 1, 101, 0, 100, 12, 112, 11, 111, 10, 110,
    ]);
  });

  it('mirrors the height axis (vflip) in both layouts and leaves the input alone', () => {
    expect([...flipTensor(nchw, 'NCHW', 'vflip').data]).toEqual([
      10, 11, 12, 0, 1, 2, 110, 111, 112, 100, 101, 102,
    ]);
    expect([...flipTensor(nhwc, 'NHWC', 'vflip').data]).toEqual([
      10, 110, 11, 111, 12, 112, 0, 100, 1, 101, 2, 102,
    ]);
    expect(nchw.data[0]).toBe(0);
  });
});
