// Submissions on the wire: trigger and final-selection bodies, the Idempotency-Key, the submission as shown.
import { z } from 'zod';
import { isoDate, pageInfo, pageQuery, scoreSchema, submissionKindSchema } from './common.js';
import { progressJson, queueStandingJson } from './standing.js';

/** Body of `POST /api/competitions/:slug/submissions`. */
export const triggerBody = z.strictObject({ bundleId: z.uuid() });
export type TriggerBody = z.infer<typeof triggerBody>;

/** Body of `PUT /api/submissions/:id/final`. */
export const finalBody = z.strictObject({ selected: z.boolean() });
export type FinalBody = z.infer<typeof finalBody>;

/** `Idempotency-Key`: printable ASCII, 1-255 characters. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key: 1-255 printable ASCII characters')
  .describe('a retried trigger with the same key returns the same submission');

/** The headers of a trigger (documentation; the route checks the key after the competition). */
export const triggerHeaders = z.object({ 'Idempotency-Key': idempotencyKey.optional() });

/** A submission's states, in order. */
export const submissionStatusSchema = z.enum(['queued', 'running', 'scored', 'failed']);
export type SubmissionStatus = z.infer<typeof submissionStatusSchema>;

/** Where a scored submission's ensemble members came from: the prediction cache or inference. */
export const inferenceJson = z
  .object({
    leaves: z.array(z.object({ id: z.string(), model: z.string(), cached: z.boolean() })),
    inferredImages: z.number().int().nonnegative().describe('images each inferred member ran over'),
  })
  .describe('per member (leaf): from the prediction cache or inferred');
export type ApiInference = z.infer<typeof inferenceJson>;

/**
 * One line saying where the members came from.
 *
 * @example
 * inferenceSummary({ leaves: [...5 leaves, 3 cached], inferredImages: 10014 });
 * // '3 of 5 members from cache, 2 inferred over 10,014 images'
 */
export function inferenceSummary(inference: ApiInference): string {
  const total = inference.leaves.length;
  const cached = inference.leaves.filter((l) => l.cached).length;
  const inferred = total - cached;
  const members = `${cached} of ${total} member${total === 1 ? '' : 's'} from cache`;
  if (inferred === 0) return `${members}, no images inferred`;
  return `${members}, ${inferred} inferred over ${inference.inferredImages.toLocaleString('en-US')} images`;
}

/** Why the host took a submission or a team off the boards, and when (shown to that team and the host). */
export const disqualificationJson = z.object({ reason: z.string(), at: isoDate });
export type ApiDisqualification = z.infer<typeof disqualificationJson>;

/** A submission as its team (or the host) sees it. `private` stays null for a team until the end. */
export const submissionJson = z.object({
  id: z.uuid(),
  kind: submissionKindSchema
    .default('bundle')
    .describe(
      'a bundle the scorer ran, or a prediction file scored on arrival (absent from older servers: bundle)',
    ),
  bundleId: z.uuid().nullable().describe('null for a prediction file'),
  status: submissionStatusSchema,
  attempt: z.number().int(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  error: z.object({ code: z.string(), message: z.string(), infrastructure: z.boolean() }).nullable(),
  public: scoreSchema,
  private: scoreSchema,
  privateHidden: z.boolean().describe('a private score exists but is withheld until the end'),
  memberScores: z
    .array(
      z.object({
        member: z.string(),
        model: z.string(),
        publicAccuracy: z.number(),
        privateAccuracy: z.number().nullable(),
      }),
    )
    .nullable(),
  selectedFinal: z.boolean(),
  imagesPerSecond: z.number().nullable(),
  runtime: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('backend, execution provider, versions, hashes'),
  hasOutput: z.boolean(),
  inference: inferenceJson.nullable().optional(),
  disqualification: disqualificationJson.nullable().optional(),
  previousScores: z
    .object({ public: scoreSchema, private: scoreSchema, replacedAt: isoDate })
    .nullable()
    .optional()
    .describe('the scores before the host replaced the labels and rescored this submission'),
  queue: queueStandingJson.nullable().optional(),
  progress: progressJson.nullable().optional(),
});
/** A submission as a client sees it. */
export type ApiSubmission = z.infer<typeof submissionJson>;

export const submissionResponse = z.object({ submission: submissionJson });
export const triggerResponse = z.object({
  submission: submissionJson,
  created: z.boolean().describe('false when an earlier trigger with the same Idempotency-Key is returned'),
});
export type TriggerResponse = z.infer<typeof triggerResponse>;
/** Submissions per page of a team's list: 50 by default, at most 200. */
export const SUBMISSION_PAGE = { defaultLimit: 50, maxLimit: 200 } as const;

/** Query of `GET /api/competitions/:slug/submissions` (newest first). */
export const submissionListQuery = pageQuery(SUBMISSION_PAGE.defaultLimit, SUBMISSION_PAGE.maxLimit);

export const submissionListResponse = z.object({ ...pageInfo, submissions: z.array(submissionJson) });
