// The shake-up on the wire: per team public rank → private rank, the private score with its bootstrap interval,
// and whether each team's lead over the next is significant. Only ranks, scores and intervals: no labels, no items.
import { z } from 'zod';
import { phaseSchema } from './common.js';

/** A 95% (by default) percentile interval of a resampled accuracy or difference. */
export const intervalJson = z.object({ lo: z.number(), hi: z.number() });

/** One team's row, in private order. */
export const shakeupRowJson = z.object({
  team: z.string(),
  privateRank: z.number().int(),
  publicRank: z.number().int().nullable().describe('null when the team is not on the public board'),
  /** public rank − private rank: positive when the team moved up. */
  rankChange: z.number().int().nullable(),
  privateScore: z.number().describe('accuracy on the private split, 4 decimals'),
  interval: intervalJson
    .nullable()
    .describe('bootstrap interval of the private score; null without stored predictions'),
  vsNext: z
    .object({
      difference: z.number().describe("this team's private score minus the next team's"),
      interval: intervalJson,
      significant: z.boolean().describe('the interval of the paired difference excludes 0'),
    })
    .nullable()
    .describe('against the team ranked just below; null for the last team or without stored predictions'),
});
export type ApiShakeupRow = z.infer<typeof shakeupRowJson>;

/** Answer of `GET /api/competitions/:slug/shakeup` (after the end). */
export const shakeupResponse = z.object({
  competition: z.string(),
  phase: phaseSchema,
  items: z.number().int().describe('private test items resampled'),
  resamples: z.number().int(),
  level: z.number().describe('confidence level of every interval'),
  seed: z.number().int().describe('seed of the resampling (the same item indices for every team)'),
  rows: z.array(shakeupRowJson),
});
export type ApiShakeup = z.infer<typeof shakeupResponse>;
