// Pieces shared by the wire schemas: dates, the public/private split, a competition's phase, a score, path params.
import { z } from 'zod';

/** An ISO 8601 date-time as the API writes it (`2026-05-01T12:00:00.000Z`); an offset is accepted on input. */
export const isoDate = z.iso.datetime({ offset: true });

/** The two halves of a competition's test set: the public board's and the private (final) board's. */
export const splitSchema = z.enum(['public', 'private']);
/** `public` or `private`: the one definition of a test split. */
export type Split = z.infer<typeof splitSchema>;

/** Where a competition is in its window. */
export const phaseSchema = z.enum(['upcoming', 'open', 'ended']);
export type Phase = z.infer<typeof phaseSchema>;

/** How a submission is made: a model bundle the scorer runs, or a prediction file (output.csv) scored at once. */
export const submissionKindSchema = z.enum(['bundle', 'predictions']);
export type SubmissionKind = z.infer<typeof submissionKindSchema>;

/** An accuracy with its counts on one split; null while unknown (not scored yet, or withheld). */
export const scoreSchema = z
  .object({ accuracy: z.number(), correct: z.number().int(), total: z.number().int() })
  .nullable();
export type Score = z.infer<typeof scoreSchema>;

/** A competition's slug: lower-case letters, digits and inner dashes, 1-64 characters. */
export const slugSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'a competition slug');

/** `:slug` of every competition route. */
export const slugParams = z.strictObject({ slug: slugSchema });

/** `:id` of every submission route. */
export const idParams = z.strictObject({ id: z.uuid() });

/**
 * `limit` and `offset` of a paginated list, from the query string. One place for their defaults and caps:
 * `pageQuery(100, 1000)` for boards, `pageQuery(50, 200)` for a team's submissions.
 *
 * @example
 * const leaderboardQuery = z.strictObject({ split: splitSchema, ...pageQuery(100, 1000).shape });
 */
export function pageQuery(defaultLimit: number, maxLimit: number) {
  return z.strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(maxLimit)
      .default(defaultLimit)
      .describe(`rows per page (default ${defaultLimit}, at most ${maxLimit})`),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0).describe('rows skipped (default 0)'),
  });
}

/** Where a page sits in its list: the whole list's size and the window shown. */
export const pageInfo = { total: z.number().int(), limit: z.number().int(), offset: z.number().int() };
