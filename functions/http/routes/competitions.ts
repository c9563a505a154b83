// Competitions: create (host; dataset folder on the server or an uploaded zip), list, details. No labels ever.
import { rm } from 'node:fs/promises';
import type { Hono } from 'hono';
import { z } from 'zod';
import { type Dataset, datasetLimits, loadDataset, withExtractedDataset } from '../../intake/dataset.js';
import { multipartBoundary, readMultipart } from '../../intake/multipart.js';
import { withTestImages } from '../../intake/test-images.js';
import {
  COMPETITION_DEFAULTS,
  createCompetition,
  getCompetition,
  listCompetitions,
} from '../../services/index.js';
import { mediaType, readJson, requireMediaType, validate } from '../body.js';
import type { AppEnv, RouteDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { requireHost } from '../middleware/auth.js';
import { shape } from '../respond.js';
import type { RouteDoc } from './openapi.js';
import { slugParams } from './teams.js';

const isoDate = z.iso.datetime({ offset: true });

/** Fields of a new competition, shared by the JSON and multipart forms. Defaults live in the services. */
const competitionFields = {
  slug: slugParams.shape.slug,
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
};
const NUMERIC_FIELDS = ['dailyLimit', 'finals', 'publicFraction', 'splitSeed'] as const;

/** JSON body: the dataset is a folder in the competition layout on the server. */
export const createCompetitionJson = z.strictObject({
  ...competitionFields,
  datasetPath: z
    .string()
    .min(1)
    .max(4096)
    .describe('server folder with train.csv, test.csv, test_labels.csv, train/, test/'),
});
export type CreateCompetitionJson = z.infer<typeof createCompetitionJson>;

/** Multipart body: the same fields as text, and the dataset folder zipped in the file field `dataset`. */
export const createCompetitionMultipart = z.strictObject({
  ...competitionFields,
  dataset: z.string().describe('zip of the dataset folder (binary file part)'),
});
const multipartFields = z.strictObject(competitionFields);

/** A competition as the API shows it: no dataset location, seed, labels or split of any item. */
export const competitionJson = z.object({
  id: z.uuid(),
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
  datasetSha256: z.string(),
  createdAt: isoDate,
});
export const competitionResponse = z.object({ competition: competitionJson });
export const competitionListResponse = z.object({ competitions: z.array(competitionJson) });
export type CompetitionResponse = z.infer<typeof competitionResponse>;

/** The route docs of this file. */
export const competitionDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/competitions',
    summary: 'Create a competition',
    description:
      'From a dataset folder on the server (JSON `datasetPath`) or an uploaded zip of that folder (multipart ' +
      'field `dataset`, streamed to disk and safely extracted). The public/private split is fixed now, and ' +
      "the images test.csv lists are linked or copied into the server's own folder for the scorer.",
    tag: 'competitions',
    access: 'host',
    body: { 'application/json': createCompetitionJson, 'multipart/form-data': createCompetitionMultipart },
    responses: { 201: { description: 'created', schema: competitionResponse } },
    errors: [
      'invalid_argument',
      'unauthenticated',
      'forbidden',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'invalid_data',
      'unsafe_archive',
    ],
  },
  {
    method: 'get',
    path: '/api/competitions',
    summary: 'List competitions',
    tag: 'competitions',
    access: 'any',
    responses: { 200: { description: 'newest first', schema: competitionListResponse } },
    errors: ['unauthenticated'],
  },
  {
    method: 'get',
    path: '/api/competitions/{slug}',
    summary: 'Competition details',
    tag: 'competitions',
    access: 'any',
    params: slugParams,
    responses: { 200: { description: 'the competition', schema: competitionResponse } },
    errors: ['invalid_argument', 'unauthenticated', 'not_found'],
  },
];

type Fields = z.infer<typeof multipartFields>;

/** Multipart text → typed fields: numeric fields are parsed, anything malformed fails the strict schema. */
function parseMultipartFields(raw: Record<string, string>): Fields {
  const values: Record<string, unknown> = { ...raw };
  for (const key of NUMERIC_FIELDS) {
    const v = raw[key];
    if (v !== undefined && /^-?\d+(\.\d+)?$/.test(v.trim())) values[key] = Number(v.trim());
  }
  return validate(multipartFields, values, 'form fields');
}

/** Register the competition routes. */
export function registerCompetitions(app: Hono<AppEnv>, deps: RouteDeps): void {
  // The competition's datasetDir is a folder of the test images alone (no labels beside them).
  const create = (fields: Fields, dataset: Dataset) =>
    withTestImages(dataset, deps.config.datasetsDir, (datasetDir) =>
      createCompetition(deps.services, {
        ...fields,
        startsAt: fields.startsAt === undefined ? undefined : new Date(fields.startsAt),
        endsAt: new Date(fields.endsAt),
        classes: dataset.classes,
        items: dataset.items,
        datasetDir,
        datasetSha256: dataset.sha256,
      }),
    );

  app.post('/api/competitions', async (c) => {
    requireHost(c);
    const type = mediaType(c.req.header('content-type'));
    if (type !== 'multipart/form-data') {
      requireMediaType(type, ['application/json', 'multipart/form-data']);
      const { datasetPath, ...fields } = await readJson(c.req.raw, createCompetitionJson);
      const competition = await create(fields, await loadDataset(datasetPath));
      return c.json(shape(competitionResponse, { competition }), 201);
    }
    const boundary = multipartBoundary(c.req.header('content-type'))!;
    const { config } = deps;
    const { fields, files } = await readMultipart(c.req.raw.body, boundary, {
      fields: Object.keys(competitionFields),
      files: { dataset: { dir: config.workDir, maxBytes: config.maxDatasetBytes, label: 'dataset' } },
    });
    const upload = files.dataset;
    try {
      const parsed = parseMultipartFields(fields);
      if (!upload)
        throw new HttpError('invalid_argument', 'multipart field "dataset" (the zipped folder) is missing');
      // The extracted folder goes once the competition exists: labels in the database, images linked.
      const competition = await withExtractedDataset(
        upload.path,
        config.datasetsDir,
        datasetLimits(config.maxDatasetBytes),
        (dataset) => create(parsed, dataset),
      );
      return c.json(shape(competitionResponse, { competition }), 201);
    } finally {
      if (upload) await rm(upload.path, { force: true });
    }
  });

  app.get('/api/competitions', async (c) => {
    const competitions = await listCompetitions(deps.services);
    return c.json(shape(competitionListResponse, { competitions }));
  });

  app.get('/api/competitions/:slug', async (c) => {
    const { slug } = validate(slugParams, c.req.param(), 'path');
    const competition = await getCompetition(deps.services, slug);
    return c.json(shape(competitionResponse, { competition }));
  });
}
