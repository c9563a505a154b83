// Page-test fixtures: the real app over PGlite, scored/failed submissions written via the services, form helpers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { settleThroughServices } from '../../bench/lib/board-writer.js';
import { createApp } from '../../functions/http/app.js';
import type { AppDeps } from '../../functions/http/context.js';
import type { ServiceContext } from '../../functions/services/index.js';
import { type BlobStore, outputKey } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';
import { openTestServices } from '../helpers/db.js';

export const HOST_TOKEN = 'host-token-for-tests-0123456789';

/** The app with its pages over an in-memory PGlite, a temp blob store, and the test clock. */
export async function openWebHarness() {
  const root = await mkdtemp(join(tmpdir(), 'sb-web-'));
  const services = await openTestServices('pglite', { maxActiveSubmissions: 10 });
  const blobs: BlobStore = createLocalBlobStore(join(root, 'blobs'));
  const deps: AppDeps = {
    services: services.ctx,
    blobs,
    config: {
      maxBundleBytes: 1024 * 1024,
      maxDatasetBytes: 1024 * 1024,
      workDir: join(root, 'work'),
      datasetsDir: join(root, 'datasets'),
    },
  };
  return {
    ...services,
    root,
    deps,
    blobs,
    app: createApp(deps),
    async close() {
      await services.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export type WebHarness = Awaited<ReturnType<typeof openWebHarness>>;

/** What a finished scoring run wrote, as counts over the 20 public and 20 private test items. */
export type FakeScore = {
  publicCorrect: number;
  privateCorrect: number;
  members?: { member: string; model: string; publicAccuracy: number; privateAccuracy: number }[];
};

/** Trigger, claim and complete a submission through the services, with an output.csv blob. Returns its id. */
export function scoredSubmission(
  ctx: ServiceContext,
  blobs: BlobStore,
  team: { teamId: string; bundleId: string },
  score: FakeScore,
): Promise<string> {
  return settleThroughServices(ctx, team, async (id) => {
    const key = outputKey(id);
    await blobs.putStream(key, Readable.from([Buffer.from('ID,image_path,target\ni0,img/0.png,0\n')]));
    return {
      complete: {
        public: { correct: score.publicCorrect, total: 20 },
        private: { correct: score.privateCorrect, total: 20 },
        memberScores: score.members,
        imagesPerSecond: 123.45,
        runtime: {
          backend: 'onnxruntime-node',
          executionProvider: 'cpu',
          versions: { 'onnxruntime-node': '1.30.0', node: 'v20.19.0' },
          bundleSha256: 'b'.repeat(64),
          datasetSha256: 'a'.repeat(64),
        },
        outputKey: key,
      },
    };
  });
}

/** Trigger, claim and fail a submission (the team's fault) with `message`. Returns its id. */
export function failedSubmission(
  ctx: ServiceContext,
  team: { teamId: string; bundleId: string },
  message: string,
): Promise<string> {
  return settleThroughServices(ctx, team, () => ({
    fail: { code: 'model_output', message, isInfra: false },
  }));
}

/** POST an urlencoded form (same-origin unless `headers` say otherwise). */
export function postForm(
  h: Pick<WebHarness, 'app'>,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** POST the team page's final toggle for `submission`, signed in by `cookie` with the page's `csrf`; `extra` fields too. */
export function postFinal(
  h: WebHarness,
  slug: string,
  auth: { cookie: string; csrf: string },
  submission: string,
  selected: boolean,
  extra: Record<string, string> = {},
): Promise<Response> {
  const fields = { csrf: auth.csrf, submission, selected: String(selected), ...extra };
  return postForm(h, `/c/${slug}/team/final`, fields, { cookie: auth.cookie });
}

/** Sign in through the form; returns the `Cookie` header value to send afterwards. */
export async function signIn(h: Pick<WebHarness, 'app'>, token: string): Promise<string> {
  const res = await postForm(h, '/sign-in', { token, next: '/' });
  const cookie = res.headers.get('set-cookie');
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie.split(';')[0];
}

/** GET a page (optionally signed in); returns status, headers and HTML. */
export async function page(h: WebHarness, path: string, cookie?: string) {
  const res = await h.app.request(path, { headers: cookie ? { cookie } : {} });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** The CSRF token of a page's forms. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}
