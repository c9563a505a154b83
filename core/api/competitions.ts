// Competitions on the wire: the create bodies (JSON and multipart), the competition as shown, its defaults.
import { z } from 'zod';
import { isoDate, phaseSchema, type SubmissionKind, slugSchema, submissionKindSchema } from './common.js';

/** Values a new competition gets for the fields its creator leaves out (the services apply them). */
export const COMPETITION_DEFAULTS = {
  dailyLimit: 5,
  finals: 2,
  publicFraction: 0.5,
  splitSeed: 1,
  hideTestImages: false,
  submissionKinds: ['bundle'] as readonly SubmissionKind[],
  autoFinals: true,
} as const;

/** What a competition accepts: one or both kinds, each once. */
export const submissionKindsSchema = z
  .array(submissionKindSchema)
  .min(1)
  .max(submissionKindSchema.options.length)
  .refine((kinds) => new Set(kinds).size === kinds.length, 'each kind at most once');

/** Longest description or rules text (markdown), characters: both fit in one JSON body. */
export const MAX_MARKDOWN_CHARS = 20_000;

/** The host's markdown: the Overview tab's description, the Rules tab's rules (rendered sanitized). */
export const markdownText = z.string().max(MAX_MARKDOWN_CHARS);

/** Fields of a new competition, shared by the JSON and multipart forms. */
export const competitionFields = {
  slug: slugSchema,
  title: z.string().trim().min(1).max(200),
  endsAt: isoDate,
  startsAt: isoDate.optional().describe('default: now'),
  dailyLimit: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe(`default ${COMPETITION_DEFAULTS.dailyLimit}`),
  finals: z.number().int().min(1).max(100).optional().describe(`default ${COMPETITION_DEFAULTS.finals}`),
  autoFinals: z
    .boolean()
    .optional()
    .describe(
      `a team that selected no finals has its best \`finals\` public submissions count (default ${COMPETITION_DEFAULTS.autoFinals})`,
    ),
  publicFraction: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe(`default ${COMPETITION_DEFAULTS.publicFraction}`),
  splitSeed: z
    .number()
    .int()
    .min(-(2 ** 31 - 1))
    .max(2 ** 31 - 1)
    .optional()
    .describe(`default ${COMPETITION_DEFAULTS.splitSeed}`),
  hideTestImages: z
    .boolean()
    .optional()
    .describe(
      `a bundle-only competition: test.zip is not offered, the test images never leave the server ` +
        `(default ${COMPETITION_DEFAULTS.hideTestImages})`,
    ),
  submissionKinds: submissionKindsSchema
    .optional()
    .describe(
      `what teams may submit: "bundle" (a model the scorer runs), "predictions" (an output.csv); default ${JSON.stringify(COMPETITION_DEFAULTS.submissionKinds)}`,
    ),
  description: markdownText.optional().describe('markdown shown on the Overview tab'),
  rules: markdownText.optional().describe('markdown shown on the Rules tab'),
};

/** The numeric fields, which a multipart form sends as text. */
export const NUMERIC_COMPETITION_FIELDS = ['dailyLimit', 'finals', 'publicFraction', 'splitSeed'] as const;
/** The boolean fields, which a multipart form sends as the text `true` or `false`. */
export const BOOLEAN_COMPETITION_FIELDS = ['hideTestImages', 'autoFinals'] as const;

/** The list fields, which a multipart form sends as comma-separated text (`bundle,predictions`). */
export const LIST_COMPETITION_FIELDS = ['submissionKinds'] as const;

/** JSON body of `POST /api/competitions`: the dataset is a folder in the competition layout on the server. */
export const createCompetitionJson = z.strictObject({
  ...competitionFields,
  datasetPath: z
    .string()
    .min(1)
    .max(4096)
    .describe('server folder with train.csv, test.csv, test_labels.csv, train/, test/'),
});
/** What the JSON form of `POST /api/competitions` takes (the client's input). */
export type CreateCompetitionBody = z.input<typeof createCompetitionJson>;

/** The text fields of the multipart form, once parsed. */
export const competitionFormFields = z.strictObject(competitionFields);
export type CompetitionFormFields = z.infer<typeof competitionFormFields>;

/** Multipart body (documentation): the same fields as text, the dataset folder zipped in the file field `dataset`. */
export const createCompetitionMultipart = z.strictObject({
  ...competitionFields,
  submissionKinds: z
    .string()
    .optional()
    .describe('comma-separated, e.g. `bundle,predictions`; default `bundle`'),
  dataset: z.string().describe('zip of the dataset folder (binary file part)'),
});

/** A competition as the API shows it: no dataset location, seed, labels or split of any item. */
export const competitionJson = z.object({
  id: z.uuid(),
  slug: z.string(),
  title: z.string(),
  classes: z.number().int(),
  startsAt: isoDate,
  endsAt: isoDate,
  phase: phaseSchema,
  dailyLimit: z.number().int(),
  finals: z.number().int(),
  autoFinals: z
    .boolean()
    .default(true)
    .describe(
      'without a selection, the best `finals` public submissions count (on when a server does not say)',
    ),
  publicFraction: z.number(),
  testItems: z.object({ public: z.number().int(), private: z.number().int() }),
  hideTestImages: z
    .boolean()
    .default(false)
    .describe('a bundle-only competition: no test.zip for participants'),
  submissionKinds: z
    .array(submissionKindSchema)
    .default(['bundle'])
    .describe('what teams may submit (bundles only when a server does not say)'),
  datasetSha256: z.string(),
  description: z.string().optional().describe('markdown source (the pages render it sanitized)'),
  rules: z.string().optional().describe('markdown source'),
  rescoredAt: isoDate
    .nullable()
    .optional()
    .describe('when the host last corrected the test labels and rescored'),
  createdAt: isoDate,
});
/** A competition as a client sees it (core/data's `Competition` is a dataset on disk, not this). */
export type ApiCompetition = z.infer<typeof competitionJson>;

export const competitionResponse = z.object({ competition: competitionJson });
export type CompetitionResponse = z.infer<typeof competitionResponse>;
export const competitionListResponse = z.object({ competitions: z.array(competitionJson) });
