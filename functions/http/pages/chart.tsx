// A team's public score over time as an SVG drawn on the server: each scored submission and the best so far.
import { accuracy, when } from './format.js';

/** One scored submission on the chart. */
export type ChartPoint = { at: Date; accuracy: number };

const W = 640;
const H = 240;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };

/** Axis range with a little air; never outside [0, 1]; a flat series gets ±0.05. */
export function yRange(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const air = hi - lo < 1e-9 ? 0.05 : (hi - lo) * 0.1;
  lo = Math.max(0, lo - air);
  hi = Math.min(1, hi + air);
  return hi - lo < 1e-9 ? [0, 1] : [lo, hi];
}

/** `n` evenly spaced ticks from lo to hi. */
function ticks(lo: number, hi: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Pixel positions of `points` (sorted by time) inside the plot area. One point, or points at one instant,
 * sit in the middle horizontally.
 */
export function layout(points: ChartPoint[]): { x: number; y: number; point: ChartPoint }[] {
  const sorted = [...points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const [lo, hi] = yRange(sorted.map((p) => p.accuracy));
  const t0 = sorted[0].at.getTime();
  const span = sorted[sorted.length - 1].at.getTime() - t0;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  return sorted.map((point) => ({
    x: r2(PAD.left + (span === 0 ? plotW / 2 : ((point.at.getTime() - t0) / span) * plotW)),
    y: r2(PAD.top + (1 - (point.accuracy - lo) / (hi - lo)) * plotH),
    point,
  }));
}

/**
 * The chart, or a sentence when nothing is scored yet. Accessible: `role="img"` with a title and a
 * description naming the latest and best scores; each dot has a tooltip.
 *
 * @example
 * <ScoreChart points={scored.map((s) => ({ at: s.createdAt, accuracy: s.public!.accuracy }))} />
 */
export function ScoreChart(props: { points: ChartPoint[] }) {
  if (props.points.length === 0)
    return <p class="muted">The chart appears after the first scored submission.</p>;
  const placed = layout(props.points);
  const [lo, hi] = yRange(props.points.map((p) => p.accuracy));
  const plotH = H - PAD.top - PAD.bottom;
  const yOf = (v: number) => r2(PAD.top + (1 - (v - lo) / (hi - lo)) * plotH);
  let best = -1;
  const bestSteps: string[] = [];
  for (const p of placed) {
    if (p.point.accuracy > best) {
      if (bestSteps.length > 0) bestSteps.push(`${p.x},${yOf(best)}`);
      best = p.point.accuracy;
      bestSteps.push(`${p.x},${p.y}`);
    }
  }
  bestSteps.push(`${W - PAD.right},${yOf(best)}`);
  const latest = placed[placed.length - 1].point;
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-labelledby="chart-title chart-desc"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id="chart-title">Public score over time</title>
      <desc id="chart-desc">
        {`${placed.length} scored submissions; latest ${accuracy(latest.accuracy)}, best ${accuracy(best)}.`}
      </desc>
      {ticks(lo, hi).map((v) => (
        <g>
          <line x1={PAD.left} x2={W - PAD.right} y1={yOf(v)} y2={yOf(v)} stroke="#e3e7eb" />
          <text x={PAD.left - 6} y={yOf(v) + 4} text-anchor="end" font-size="11" fill="#5b6570">
            {v.toFixed(3)}
          </text>
        </g>
      ))}
      <polyline
        points={bestSteps.join(' ')}
        fill="none"
        stroke="#7aa7d9"
        stroke-width="2"
        stroke-dasharray="5 4"
      />
      <polyline
        points={placed.map((p) => `${p.x},${p.y}`).join(' ')}
        fill="none"
        stroke="#1f5fa8"
        stroke-width="2"
      />
      {placed.map((p) => (
        <circle cx={p.x} cy={p.y} r="4.5" fill="#1f5fa8" class="point">
          <title>{`${when(p.point.at)}: ${accuracy(p.point.accuracy)}`}</title>
        </circle>
      ))}
      <text x={PAD.left} y={H - 10} font-size="11" fill="#5b6570">
        {when(placed[0].point.at)}
      </text>
      <text x={W - PAD.right} y={H - 10} font-size="11" fill="#5b6570" text-anchor="end">
        {when(latest.at)}
      </text>
      <text x={W - PAD.right} y={PAD.top - 4} font-size="11" fill="#5b6570" text-anchor="end">
        solid: each submission · dashed: best so far
      </text>
    </svg>
  );
}
