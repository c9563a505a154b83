// Chaining transforms: `compose` applies a list in order, each with its own probability and its own random stream.
import { mixSeed } from '../rng.js';
import { applyToImages, Rng, type SampleShape, type Transform } from './transform.js';

/**
 * A transform that applies `transforms` in order. It always runs (p = 1); each member still fires with
 * its own probability. Member j draws from a stream forked off the sample's stream by its index, so
 * changing one member's `p` or options does not change what the others draw. An empty list copies.
 * The intermediate image lives in one scratch buffer reused across calls.
 *
 * @example
 * const aug = compose([createTransform({ kind: 'hflip', p: 0.5 }), createTransform({ kind: 'rotate', degrees: 10 })]);
 * const batch = aug.apply({ data, dims: [32, 64, 64, 1] }, seed);
 */
export function compose(transforms: readonly Transform[]): Transform {
  const members = [...transforms];
  let scratch = new Float32Array(0);
  const t: Transform = {
    kind: 'compose',
    p: 1,
    spec: { kind: 'compose', p: 1, transforms: members.map((m) => m.spec) },
    applyInto(src: Float32Array, dst: Float32Array, shape: SampleShape, rng: Rng): boolean {
      const base = rng.seed();
      if (scratch.length !== src.length) scratch = new Float32Array(src.length);
      let cur = src;
      for (let j = 0; j < members.length; j++) {
        const out = cur === dst ? scratch : dst;
        if (members[j].applyInto(cur, out, shape, new Rng(mixSeed(base, j)))) cur = out;
      }
      if (cur !== dst) dst.set(cur);
      return true;
    },
    apply: (images, seed) => applyToImages(t, images, seed),
  };
  return t;
}
