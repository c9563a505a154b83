// The confusion-matrix figure: an SVG string (rows = true class, columns = predicted, row-normalised) and its PNG.
import sharp from 'sharp';
import { writeFileAtomic } from '../data/io.js';
import { type Confusion, classTotals } from './confusion.js';

/** Escape text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Cell colour for a row share in [0, 1]: white → dark blue, on a square-root scale so rare errors show. */
export function shareColour(share: number): string {
  const v = Math.sqrt(Math.min(1, Math.max(0, share)));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * v);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `#${hex(mix(255, 8))}${hex(mix(255, 48))}${hex(mix(255, 107))}`;
}

export type ConfusionPlotOptions = {
  title?: string;
  /** Cell side in px; default fits the matrix in about 900 px (between 2 and 28). */
  cell?: number;
};

/**
 * An SVG of the confusion matrix: one cell per (true, predicted) pair coloured by the share of the true
 * class's images, counts written in cells when they are large enough, class names on both axes when cells
 * are at least 8 px, a colour bar.
 *
 * @example
 * const svg = confusionSvg(confusionMatrix(targets, predictions, 50), classNames, { title: 'OOF' });
 */
export function confusionSvg(m: Confusion, classNames: string[], opts: ConfusionPlotOptions = {}): string {
  const n = m.classes;
  const cell = opts.cell ?? Math.max(2, Math.min(28, Math.floor(900 / n)));
  const labels = cell >= 8;
  const font = Math.max(6, Math.min(12, cell - 2));
  const longest = labels ? Math.max(...classNames.map((c) => c.length)) : 0;
  const margin = labels ? Math.min(160, Math.ceil(longest * font * 0.62) + 10) : 10;
  const top = 40 + margin;
  const left = 30 + margin;
  const size = n * cell;
  const title = opts.title ?? 'Confusion matrix';
  // Bold 16 px DejaVu Sans averages under 10 px per character.
  const width = Math.max(left + size + 90, 20 + Math.ceil(title.length * 10));
  const height = top + size + 40;
  const totals = classTotals(m);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${left + size / 2}" y="${top - margin - 4}" font-size="12" text-anchor="middle">predicted class</text>`,
    `<text transform="translate(14 ${top + size / 2}) rotate(-90)" font-size="12" text-anchor="middle">true class</text>`,
  ];
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const count = m.counts[t * n + p];
      if (count === 0) continue;
      const share = totals[t] > 0 ? count / totals[t] : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shareColour(share)}"/>`);
      if (cell >= 18) {
        const ink = share > 0.3 ? 'white' : 'black';
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + font / 3}" font-size="${font - 1}" text-anchor="middle" fill="${ink}">${count}</text>`,
        );
      }
    }
  }
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#888"/>`);
  if (labels) {
    classNames.forEach((name, i) => {
      const c = top + i * cell + cell / 2 + font / 3;
      parts.push(
        `<text x="${left - 4}" y="${c}" font-size="${font}" text-anchor="end">${escapeXml(name)}</text>`,
      );
      const x = left + i * cell + cell / 2 + font / 3;
      parts.push(
        `<text transform="translate(${x} ${top - 4}) rotate(-90)" font-size="${font}">${escapeXml(name)}</text>`,
      );
    });
  }
  // Colour bar: share of the true class's images.
  const bx = left + size + 20;
  for (let k = 0; k < 50; k++) {
    const share = 1 - k / 49;
    parts.push(
      `<rect x="${bx}" y="${top + (k * size) / 50}" width="14" height="${size / 50 + 0.5}" fill="${shareColour(share)}"/>`,
    );
  }
  parts.push(`<text x="${bx + 18}" y="${top + 10}" font-size="10">100%</text>`);
  parts.push(`<text x="${bx + 18}" y="${top + size}" font-size="10">0%</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Renders an SVG string to a PNG file (atomically) with sharp; returns its pixel size.
 *
 * @example
 * await svgToPng(confusionSvg(m, names), 'runs/a/report/confusion.png');
 */
export async function svgToPng(svg: string, file: string): Promise<{ width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg), { limitInputPixels: 1e8 })
    .png()
    .toBuffer({ resolveWithObject: true });
  await writeFileAtomic(file, data);
  return { width: info.width, height: info.height };
}
