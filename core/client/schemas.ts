// Response shapes of the HTTP API as the client reads them (DESIGN.md route table); unknown keys are ignored.
import { z } from 'zod';

// These mirror functions/routes/*.ts without importing them (core/ must not load the server). The client
// tests parse real server responses through them, so a drift on either side fails there.

const isoDate = z.string().min(1);

/** A competition, as `GET /api/competitions/:slug` shows it. */
export const competitionSchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  classes: z.number().int(),
  startsAt: isoDate,
  endsAt: isoDate,
  phase: z.enum(['upcoming', 'open', 'ended']),
  dailyLimit: z.number().int(),
  finals: z.number().int(),
  publicFraction: z.number(),
  testItems: z.object({ public: z.number().int(), private: z.number().int() }),
});
export type Competition = z.infer<typeof competitionSchema>;
export const competitionResponse = z.object({ competition: competitionSchema });

/** A registered team with its token (shown once). */
export const registerResponse = z.object({
  team: z.object({
    id: z.string(),
    name: z.string(),
    members: z.array(z.string()),
    competitionSlug: z.string(),
  }),
  token: z.string().min(1),
});
export type Registration = z.infer<typeof registerResponse>;

/** An uploaded bundle; `created` is false when the team had uploaded the same bytes before. */
export const bundleResponse = z.object({
  bundle: z.object({ id: z.string(), sha256: z.string(), sizeBytes: z.number().int(), name: z.string() }),
  created: z.boolean(),
});
export type UploadedBundle = z.infer<typeof bundleResponse>;

const score = z
  .object({ accuracy: z.number(), correct: z.number().int(), total: z.number().int() })
  .nullable();

/** Status of a submission; `private` stays null for a team until the end. */
export const submissionSchema = z.object({
  id: z.string(),
  bundleId: z.string(),
  status: z.enum(['queued', 'running', 'scored', 'failed']),
  attempt: z.number().int(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
  error: z.object({ code: z.string(), message: z.string(), infrastructure: z.boolean() }).nullable(),
  public: score,
  private: score,
  privateHidden: z.boolean(),
  selectedFinal: z.boolean(),
  imagesPerSecond: z.number().nullable(),
});
export type Submission = z.infer<typeof submissionSchema>;
export type SubmissionStatus = Submission['status'];
export const submissionResponse = z.object({ submission: submissionSchema });
export const triggerResponse = z.object({ submission: submissionSchema, created: z.boolean() });
export const submissionListResponse = z.object({ submissions: z.array(submissionSchema) });

/** One row of a leaderboard. */
export const leaderboardRowSchema = z.object({
  rank: z.number().int(),
  team: z.string(),
  members: z.array(z.string()),
  accuracy: z.number(),
  submissions: z.number().int(),
  lastSubmissionAt: isoDate.nullable(),
});
export type LeaderboardRow = z.infer<typeof leaderboardRowSchema>;

/** Public or private standings. */
export const leaderboardSchema = z.object({
  competition: z.string(),
  split: z.enum(['public', 'private']),
  phase: z.enum(['upcoming', 'open', 'ended']),
  rows: z.array(leaderboardRowSchema),
});
export type Leaderboard = z.infer<typeof leaderboardSchema>;
export type Split = Leaderboard['split'];

/** Fields of `POST /api/competitions` (JSON form: the dataset is a folder on the server). */
export type NewCompetition = {
  slug: string;
  title: string;
  datasetPath: string;
  endsAt: string;
  startsAt?: string;
  dailyLimit?: number;
  finals?: number;
  publicFraction?: number;
  splitSeed?: number;
};
