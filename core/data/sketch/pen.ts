// A hand-drawing "pen" over roughjs's generator: primitives in a 100×100 design space, per-artist style.
import roughModule from 'roughjs';
import type { Options } from 'roughjs/bin/core.js';
import type { RoughGenerator } from 'roughjs/bin/generator.js';
import type { Rng } from '../../rng.js';

export type Point = [number, number];

/** How one "artist" draws: stroke look, keypoint jitter, placement on the page, sloppiness. */
export type ArtistStyle = {
  /** Stroke width in output pixels at 128 px (scales with the image size). */
  strokeWidth: number;
  roughness: number;
  bowing: number;
  /** Standard deviation of keypoint jitter, design units. */
  jitter: number;
  /** Draw each stroke once instead of roughjs's default double stroke. */
  singleStroke: boolean;
  /** Probability that one stroke (never the first) is left out of the drawing. */
  missingStroke: number;
  /** Overall scale (1 = the design fills 100×100), aspect (x/y stretch), offset and tilt in degrees. */
  scale: number;
  aspect: number;
  dx: number;
  dy: number;
  tilt: number;
};

/**
 * Draw a random artist style; every image gets its own.
 *
 * @example
 * const style = randomArtist(new Rng(7)); // { strokeWidth: 1.9, roughness: 1.2, ... }
 */
export function randomArtist(r: Rng): ArtistStyle {
  const scale = r.range(0.68, 0.95);
  const room = (1 - scale) * 45;
  return {
    strokeWidth: r.range(1.1, 3.2),
    roughness: r.range(0.4, 2.0),
    bowing: r.range(0.3, 2.5),
    jitter: r.range(0.2, 1.8),
    singleStroke: r.chance(0.35),
    missingStroke: r.chance(0.15) ? 1 : 0,
    scale,
    aspect: r.range(0.85, 1.18),
    dx: r.range(-room, room),
    dy: r.range(-room, room),
    tilt: r.normal(4),
  };
}

// roughjs ships CommonJS typed as an ES module: at run time the default import is the API object itself.
type RoughApi = { generator(): RoughGenerator };
const roughApi = ((roughModule as unknown as { default?: RoughApi }).default ??
  (roughModule as unknown as RoughApi)) satisfies RoughApi;
const generator = roughApi.generator();

/** Collects rough strokes for one sketch; class drawers call its primitives in design coordinates. */
export class Pen {
  /** Randomness for the drawer's own choices (proportions, counts); seeded per image. */
  readonly r: Rng;
  readonly style: ArtistStyle;
  private readonly strokes: { svg: string; extent: number }[] = [];

  /** Stroke width in design units: the style's width, but never thinner than one output pixel. */
  private readonly width: number;

  constructor(r: Rng, style: ArtistStyle, size = 128) {
    this.r = r;
    this.style = style;
    this.width = Math.max((style.strokeWidth * 100) / 128, 100 / size) / style.scale;
  }

  /** Number of strokes drawn so far. */
  get count(): number {
    return this.strokes.length;
  }

  private options(extra?: Options): Options {
    const s = this.style;
    return {
      seed: this.r.seed(),
      roughness: s.roughness,
      bowing: s.bowing,
      strokeWidth: this.width,
      disableMultiStroke: s.singleStroke,
      ...extra,
    };
  }

  private j(x: number, y: number): Point {
    const sd = this.style.jitter;
    return [x + this.r.normal(sd), y + this.r.normal(sd)];
  }

  private add(drawable: ReturnType<typeof generator.line>): void {
    // Like generator.toPaths, but with coordinates rounded to 2 decimals (toPaths ignores that option):
    // smaller SVG, and the last-bit float differences of Math.sin/cos across machines cannot change pixels.
    const width = drawable.options.strokeWidth.toFixed(2);
    const parts = drawable.sets.map((set) => {
      const d = generator.opsToPath(set, 2);
      return set.type === 'fillPath'
        ? `<path d="${d}" stroke="none" fill="#000"/>`
        : `<path d="${d}" stroke="#000" stroke-width="${width}" fill="none"/>`;
    });
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const set of drawable.sets) {
      for (const op of set.ops) {
        for (let k = 0; k + 1 < op.data.length; k += 2) {
          [x0, x1] = [Math.min(x0, op.data[k]), Math.max(x1, op.data[k])];
          [y0, y1] = [Math.min(y0, op.data[k + 1]), Math.max(y1, op.data[k + 1])];
        }
      }
    }
    this.strokes.push({ svg: parts.join(''), extent: Math.hypot(x1 - x0, y1 - y0) });
  }

  /** A straight stroke. */
  line(x1: number, y1: number, x2: number, y2: number): void {
    const [a, b] = this.j(x1, y1);
    const [c, d] = this.j(x2, y2);
    this.add(generator.line(a, b, c, d, this.options()));
  }

  private points(xy: readonly number[]): Point[] {
    const pts: Point[] = [];
    for (let k = 0; k + 1 < xy.length; k += 2) pts.push(this.j(xy[k], xy[k + 1]));
    return pts;
  }

  /** An open polyline through flat coordinates `[x1, y1, x2, y2, ...]`, or a polygon when `closed`. */
  poly(xy: readonly number[], closed = false): void {
    const pts = this.points(xy);
    this.add(closed ? generator.polygon(pts, this.options()) : generator.linearPath(pts, this.options()));
  }

  /** A smooth curve through flat coordinates `[x1, y1, x2, y2, ...]`. */
  curve(xy: readonly number[]): void {
    this.add(generator.curve(this.points(xy), this.options()));
  }

  /** An axis-aligned rectangle drawn as four jittered corners. */
  rect(x: number, y: number, w: number, h: number): void {
    this.poly([x, y, x + w, y, x + w, y + h, x, y + h], true);
  }

  /** An ellipse centred at (cx, cy) with width w and height h. */
  ellipse(cx: number, cy: number, w: number, h: number): void {
    const [x, y] = this.j(cx, cy);
    const k = 1 + this.r.normal(0.03);
    this.add(generator.ellipse(x, y, w * k, h * (2 - k), this.options()));
  }

  /** A circle of diameter d. */
  circle(cx: number, cy: number, d: number): void {
    this.ellipse(cx, cy, d, d);
  }

  /** An elliptic arc from angle `start` to `stop` (radians, clockwise from +x, y down). */
  arc(cx: number, cy: number, w: number, h: number, start: number, stop: number, closed = false): void {
    const [x, y] = this.j(cx, cy);
    this.add(generator.arc(x, y, w, h, start, stop, closed, this.options()));
  }

  /** A closed bumpy outline (cloud, tree crown) with `bumps` lobes around (cx, cy). */
  blob(cx: number, cy: number, w: number, h: number, bumps: number): void {
    const pts: number[] = [];
    const n = bumps * 2;
    const phase = this.r.range(0, Math.PI);
    for (let k = 0; k <= n + 1; k++) {
      const a = phase + (k * 2 * Math.PI) / n;
      const s = k % 2 === 0 ? 0.82 : 1;
      pts.push(cx + (w / 2) * s * Math.cos(a), cy + (h / 2) * s * Math.sin(a));
    }
    this.curve(pts);
  }

  /** A small solid dot (eyes, knobs, buttons). */
  dot(cx: number, cy: number, d: number): void {
    const [x, y] = this.j(cx, cy);
    this.add(generator.circle(x, y, d, this.options({ fill: '#000', fillStyle: 'solid', roughness: 0.3 })));
  }

  /**
   * The SVG markup of the drawing so far. As the artist's style says, one minor stroke (less than half the
   * extent of the largest one, so never the outline that makes the object recognisable) may be left out.
   */
  svgBody(): string {
    const largest = Math.max(0, ...this.strokes.map((s) => s.extent));
    const minor = this.strokes.flatMap((s, k) => (s.extent < largest / 2 ? [k] : []));
    let skip = -1;
    if (minor.length >= 2 && this.r.chance(this.style.missingStroke)) skip = this.r.pick(minor);
    return this.strokes.flatMap((s, k) => (k === skip ? [] : [s.svg])).join('');
  }
}
