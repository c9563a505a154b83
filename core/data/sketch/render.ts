// Renders one sketch to PNG: class drawer + random artist → SVG → sharp; plus the test-image transforms.
import sharp from 'sharp';
import { SketchboardError } from '../../errors.js';
import { mixSeed, Rng } from '../../rng.js';
import { SKETCH_CLASS_DEFS } from './classes.js';
import { Pen, randomArtist } from './pen.js';

/** The default image side in pixels. */
export const DEFAULT_SKETCH_SIZE = 128;

/** One part of a test transform: a flip or a clockwise rotation in degrees. */
export type TransformPart = 'vflip' | 'hflip' | `rot${number}`;

/**
 * The transforms a test image may get; `none` or parts joined by `+`, applied left to right.
 * Vertical flips dominate, as in the reference competition's test set.
 */
const TRANSFORM_CHOICES: readonly (readonly [string, number])[] = [
  ['vflip', 4],
  ['hflip', 2],
  ['rot90', 1],
  ['rot180', 1],
  ['rot270', 1],
  ['rot15', 1],
  ['rot345', 1],
  ['vflip+rot90', 1],
  ['hflip+rot15', 1],
  ['vflip+rot345', 1],
];

/**
 * Draw a random non-identity transform name for a test image.
 *
 * @example
 * randomTransform(new Rng(3)); // 'vflip'
 */
export function randomTransform(r: Rng): string {
  const total = TRANSFORM_CHOICES.reduce((s, [, w]) => s + w, 0);
  let x = r.next() * total;
  for (const [name, w] of TRANSFORM_CHOICES) {
    x -= w;
    if (x < 0) return name;
  }
  return TRANSFORM_CHOICES[0][0];
}

/**
 * The SVG transform attribute for a transform name (`none`, `vflip`, `hflip+rot90`, ...) in a 100×100 box.
 *
 * @example
 * transformToSvg('vflip+rot90'); // 'rotate(90 50 50) matrix(1 0 0 -1 0 100)'
 */
export function transformToSvg(name: string): string {
  if (name === 'none') return '';
  const parts = name.split('+').map((part) => {
    if (part === 'vflip') return 'matrix(1 0 0 -1 0 100)';
    if (part === 'hflip') return 'matrix(-1 0 0 1 100 0)';
    const m = /^rot(\d{1,3})$/.exec(part);
    if (m && Number(m[1]) < 360) return `rotate(${Number(m[1])} 50 50)`;
    throw new SketchboardError('invalid_argument', `unknown sketch transform "${part}" in "${name}"`);
  });
  // SVG applies the rightmost transform first; our names read left to right.
  return parts.reverse().join(' ');
}

export type RenderOptions = {
  /** Image side in pixels (default 128). */
  size?: number;
  /** A transform name such as `vflip` or `hflip+rot90` (default `none`). */
  transform?: string;
};

/**
 * The SVG document of one sketch: class `classIndex` drawn by the artist that `seed` picks.
 *
 * @example
 * const svg = sketchSvg(0, 42, { size: 64 }); // a house
 */
export function sketchSvg(classIndex: number, seed: number, opts: RenderOptions = {}): string {
  const cls = SKETCH_CLASS_DEFS[classIndex];
  if (!Number.isInteger(classIndex) || cls === undefined) {
    throw new SketchboardError(
      'invalid_argument',
      `sketch class index ${classIndex} is out of range 0..${SKETCH_CLASS_DEFS.length - 1}`,
    );
  }
  const size = opts.size ?? DEFAULT_SKETCH_SIZE;
  const r = new Rng(mixSeed(seed, classIndex));
  const style = randomArtist(r);
  const pen = new Pen(r, style, size);
  cls.draw(pen);
  const sx = style.scale * Math.sqrt(style.aspect);
  const sy = style.scale / Math.sqrt(style.aspect);
  const artist = [
    `translate(${(50 + style.dx).toFixed(2)} ${(50 + style.dy).toFixed(2)})`,
    `rotate(${style.tilt.toFixed(2)})`,
    `scale(${sx.toFixed(4)} ${sy.toFixed(4)})`,
    'translate(-50 -50)',
  ].join(' ');
  const test = transformToSvg(opts.transform ?? 'none');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">`,
    '<rect x="-10" y="-10" width="120" height="120" fill="#fff"/>',
    `<g transform="${test}"><g transform="${artist}" stroke-linecap="round" stroke-linejoin="round">`,
    pen.svgBody(),
    '</g></g></svg>',
  ].join('');
}

/**
 * Render one sketch as an RGB PNG (black strokes on white). Same arguments → byte-identical PNG.
 *
 * @example
 * const png = await renderSketch(SKETCH_CLASSES.indexOf('cup'), 7, { size: 128, transform: 'vflip' });
 */
export async function renderSketch(
  classIndex: number,
  seed: number,
  opts: RenderOptions = {},
): Promise<Buffer> {
  const size = opts.size ?? DEFAULT_SKETCH_SIZE;
  if (!Number.isInteger(size) || size < 16 || size > 2048) {
    throw new SketchboardError('invalid_argument', `sketch size must be an integer in 16..2048, got ${size}`);
  }
  const svg = sketchSvg(classIndex, seed, { ...opts, size });
  try {
    return await sharp(Buffer.from(svg))
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .png({ compressionLevel: 9, adaptiveFiltering: false })
      .toBuffer();
  } catch (err) {
    throw new SketchboardError('internal', `rendering sketch class ${classIndex} seed ${seed} failed`, {
      cause: err,
    });
  }
}
