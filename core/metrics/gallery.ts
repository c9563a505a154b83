// The error gallery (the reference team's error-analysis figure): worst misclassified images beside examples of both classes.
import sharp from 'sharp';
import { escapeXml, svgToPng } from './confusion-plot.js';

/** A misclassified item: its row, the wrong class it got, and the probability it gave that class. */
export type ErrorItem = { index: number; actual: number; predicted: number; confidence: number };

/**
 * The `k` misclassified rows with the highest probability in their (wrong) predicted class, most confident
 * first (ties: lower row). Rows with `covered[i] === false` are skipped.
 *
 * @example
 * worstErrors(oof.probabilities, 50, targets, oof.covered, 8);
 */
export function worstErrors(
  probabilities: Float32Array,
  classes: number,
  targets: ArrayLike<number>,
  covered: readonly boolean[] | null,
  k: number,
): ErrorItem[] {
  const errors: ErrorItem[] = [];
  for (let i = 0; i < targets.length; i++) {
    if (covered && !covered[i]) continue;
    const o = i * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[o + c] > probabilities[o + best]) best = c;
    if (best !== targets[i]) {
      errors.push({ index: i, actual: targets[i], predicted: best, confidence: probabilities[o + best] });
    }
  }
  errors.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return errors.slice(0, k);
}

/**
 * `n` rows of class `cls` to show as examples of it: the ones the model found most typical (highest
 * probability of `cls`; uncovered rows last, in row order), never `exclude`.
 *
 * @example
 * classExamples(oof.probabilities, 50, targets, oof.covered, 7, 3, error.index); // [412, 97, 1033]
 */
export function classExamples(
  probabilities: Float32Array,
  classes: number,
  targets: ArrayLike<number>,
  covered: readonly boolean[] | null,
  cls: number,
  n: number,
  exclude = -1,
): number[] {
  const rows: { i: number; p: number }[] = [];
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] !== cls || i === exclude) continue;
    const p = !covered || covered[i] ? probabilities[i * classes + cls] : -1;
    rows.push({ i, p });
  }
  rows.sort((a, b) => b.p - a.p || a.i - b.i);
  return rows.slice(0, n).map((r) => r.i);
}

/** One row of the gallery: image paths (absolute) and the names shown with them. */
export type GalleryRow = {
  image: string;
  caption: string;
  actual: string;
  predicted: string;
  confidence: number;
  actualExamples: string[];
  predictedExamples: string[];
};

/** A PNG thumbnail of an image (contained in thumb×thumb on white) as a data URI; a grey box when unreadable. */
async function thumbnail(file: string, thumb: number): Promise<string> {
  try {
    const png = await sharp(file)
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(thumb, thumb, { fit: 'contain', background: '#ffffff' })
      .png()
      .toBuffer();
    return `data:image/png;base64,${png.toString('base64')}`;
  } catch {
    const grey = await sharp({ create: { width: thumb, height: thumb, channels: 3, background: '#cccccc' } })
      .png()
      .toBuffer();
    return `data:image/png;base64,${grey.toString('base64')}`;
  }
}

/**
 * The gallery as an SVG with embedded thumbnails: per row the misclassified image (red frame), then three
 * training images of its true class (green), then three of the class it was taken for (orange), with the
 * class names, the image's path and the model's confidence above.
 *
 * @example
 * const svg = await errorGallerySvg(rows, { title: 'Most confident OOF errors' });
 */
export async function errorGallerySvg(
  rows: GalleryRow[],
  opts: { thumb?: number; title?: string } = {},
): Promise<string> {
  const thumb = opts.thumb ?? 96;
  const gap = 8;
  const groupGap = 24;
  const rowH = thumb + 44;
  const width = gap + thumb + groupGap + 3 * (thumb + gap) + groupGap + 3 * (thumb + gap) + gap;
  const height = 50 + Math.max(1, rows.length) * rowH + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${gap}" y="22" font-size="16" font-weight="bold">${escapeXml(opts.title ?? 'Error gallery')}</text>`,
    `<text x="${gap}" y="40" font-size="11" fill="#444">misclassified image | 3 training images of its true class | 3 of the predicted class</text>`,
  ];
  if (rows.length === 0) parts.push(`<text x="${gap}" y="80" font-size="14">no misclassified images</text>`);
  const frame = (x: number, y: number, colour: string) =>
    `<rect x="${x - 1.5}" y="${y - 1.5}" width="${thumb + 3}" height="${thumb + 3}" fill="none" stroke="${colour}" stroke-width="3"/>`;
  for (const [r, row] of rows.entries()) {
    const y0 = 50 + r * rowH;
    const yImg = y0 + 36;
    const xTrue = gap + thumb + groupGap;
    const xPred = xTrue + 3 * (thumb + gap) + groupGap - gap;
    const label = `${escapeXml(row.caption)} — true ${escapeXml(row.actual)}, predicted ${escapeXml(row.predicted)} (p = ${row.confidence.toFixed(3)})`;
    parts.push(`<text x="${gap}" y="${y0 + 14}" font-size="12" font-weight="bold">${label}</text>`);
    parts.push(
      `<text x="${xTrue}" y="${y0 + 30}" font-size="11" fill="#1a7f37">true: ${escapeXml(row.actual)}</text>`,
    );
    parts.push(
      `<text x="${xPred}" y="${y0 + 30}" font-size="11" fill="#b35900">predicted: ${escapeXml(row.predicted)}</text>`,
    );
    const place = async (file: string, x: number, colour: string) => {
      parts.push(
        `<image x="${x}" y="${yImg}" width="${thumb}" height="${thumb}" xlink:href="${await thumbnail(file, thumb)}"/>`,
      );
      parts.push(frame(x, yImg, colour));
    };
    await place(row.image, gap, '#d1242f');
    for (const [k, file] of row.actualExamples.slice(0, 3).entries())
      await place(file, xTrue + k * (thumb + gap), '#1a7f37');
    for (const [k, file] of row.predictedExamples.slice(0, 3).entries())
      await place(file, xPred + k * (thumb + gap), '#b35900');
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Writes the error gallery PNG; returns its pixel size.
 *
 * @example
 * await renderErrorGallery(rows, 'runs/a/report/errors.png');
 */
export async function renderErrorGallery(
  rows: GalleryRow[],
  file: string,
  opts: { thumb?: number; title?: string } = {},
): Promise<{ width: number; height: number }> {
  return svgToPng(await errorGallerySvg(rows, opts), file);
}
