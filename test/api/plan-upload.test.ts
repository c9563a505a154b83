// The plan path: only missing files are uploaded (tus, resumable, verified), commit validates and records like the zip upload.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleResponse } from '../../core/api/bundles.js';
import { fileKey } from '../../functions/storage/blob.js';
import { bearer, goodBundle, type Harness, manifest, openHarness } from './fixtures.js';
import { call, createCompetition, expectError, parse, registerTeam, submitAndScore, upload } from './flow.js';
import {
  commit,
  createModelUpload,
  plan,
  planBody,
  plannedBundle,
  planOk,
  sha,
  tusCreate,
  tusHead,
  tusPatch,
  tusSend,
} from './plan-helpers.js';

let h: Harness;
let s: string;
let team: { id: string; token: string };
let other: { id: string; token: string };
beforeAll(async () => {
  h = await openHarness('pglite');
  s = await createCompetition(h);
  team = await registerTeam(h, s);
  other = await registerTeam(h, s);
});
afterAll(() => h.close());

describe('plan, tus, commit', () => {
  it('uploads only what the server lacks; a re-voted manifest lacks nothing; the scorer runs the folder', async () => {
    const first = plannedBundle(1, 'first');
    const { plan: p1, bundle: none } = await planOk(h, s, team.token, first);
    expect(none).toBeNull();
    const model = first.files['model.onnx'];
    expect(p1.missing).toEqual([{ sha256: sha(model), bytes: model.length, paths: ['model.onnx'] }]);
    expect(p1.missingBytes).toBe(model.length);
    const done = await tusSend(h, p1.uploadUrl, team.token, p1.id, model);
    expect(done.status, done.text).toBe(204);
    expect(await h.blobs.exists(fileKey(sha(model)))).toBe(true);
    const committed = await commit(h, s, team.token, p1.id);
    expect(committed.status, committed.text).toBe(201);
    const { bundle } = parse(bundleResponse, committed);
    expect(bundle.sha256).toBe(p1.sha256);
    expect(bundle.name).toBe('first');

    // The same model under another manifest (a re-vote): nothing to upload.
    const { plan: p2 } = await planOk(h, s, team.token, plannedBundle(1, 'revote'));
    expect(p2.missing).toEqual([]);
    expect(p2.missingBytes).toBe(0);
    const second = await commit(h, s, team.token, p2.id);
    expect(second.status, second.text).toBe(201);
    const revoted = parse(bundleResponse, second).bundle;
    // The same bundle planned again: the existing bundle comes back with the plan.
    const again = await planOk(h, s, team.token, plannedBundle(1, 'revote'));
    expect(again.bundle?.id).toBe(revoted.id);
    expect((await commit(h, s, team.token, again.plan.id)).status).toBe(200);
    // bundles.files holds every file, manifest included.
    const [row] = await h.database.db.query.bundles.findMany({ where: (b, { eq }) => eq(b.id, revoted.id) });
    expect(row.files?.map((f) => f.path).sort()).toEqual(['manifest.json', 'model.onnx']);
    expect(row.blobKey).toBe(`bundles/${p2.sha256}.json`);
    // The scorer lays the folder out from the file blobs and runs it.
    await submitAndScore(h, s, team.token, revoted.id);
  });

  it('resumes an interrupted upload from the offset the server reports (HEAD)', async () => {
    const { p, model, created, location } = await createModelUpload(h, s, team.token, plannedBundle(2));
    expect(created.status, created.text).toBe(201);
    const half = Math.floor(model.length / 2);
    // The connection drops after half the file, once the server has written that half.
    const partial = join(h.root, 'uploads', location.split('/').pop() ?? '');
    let sent = false;
    const broken = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(model.subarray(0, half));
          return;
        }
        await vi.waitFor(async () => expect((await stat(partial)).size).toBe(half), { timeout: 10_000 });
        controller.error(new Error('connection reset'));
      },
    });
    const cut = await tusPatch(h, location, team.token, 0, broken).catch(() => null);
    expect(cut?.status).not.toBe(204);
    const head = await tusHead(h, location, team.token);
    expect(head.status).toBe(200);
    const offset = Number(head.res.headers.get('upload-offset'));
    expect(offset).toBe(half);
    expect((await tusPatch(h, location, team.token, 0, model)).status).toBe(409);
    const rest = await tusPatch(h, location, team.token, offset, model.subarray(offset));
    expect(rest.status, rest.text).toBe(204);
    expect(rest.res.headers.get('upload-offset')).toBe(String(model.length));
    expect((await commit(h, s, team.token, p.id)).status).toBe(201);
  });

  it('refuses content whose sha256 is not the planned one (422 at the last byte and at commit)', async () => {
    const { p, model, location } = await createModelUpload(h, s, team.token, plannedBundle(3));
    const forged = Buffer.from(model);
    forged[forged.length - 1] ^= 0xff;
    const last = await tusPatch(h, location, team.token, 0, forged);
    expect(expectError(last, 422, 'invalid_bundle')).toMatch(/sha256/);
    expect(await h.blobs.exists(fileKey(sha(model)))).toBe(false);
    const refused = await commit(h, s, team.token, p.id);
    expect(expectError(refused, 422, 'invalid_bundle')).toMatch(/not on the server.*model\.onnx/);
    // A length other than the planned size is refused at creation.
    const wrongSize = await tusCreate(h, p.uploadUrl, team.token, { plan: p.id, sha256: sha(model) }, 7);
    expect(expectError(wrongSize, 400, 'invalid_argument')).toMatch(/planned size/);
  });

  it("keeps each team to its own plans and uploads (404 for another team's)", async () => {
    const { p, model, location } = await createModelUpload(h, s, team.token, plannedBundle(0, 'own'));
    expectError(await tusPatch(h, location, other.token, 0, model), 404, 'not_found');
    expect((await tusHead(h, location, other.token)).status).toBe(404); // HEAD: no body
    expectError(await call(h, 'DELETE', location, { headers: bearer(other.token) }), 404, 'not_found');
    const stolen = await tusCreate(
      h,
      p.uploadUrl,
      other.token,
      { plan: p.id, sha256: sha(model) },
      model.length,
    );
    expectError(stolen, 404, 'not_found');
    expectError(await commit(h, s, other.token, p.id), 404, 'not_found');
    expectError(await tusPatch(h, location, '', 0, model), 401, 'unauthenticated');
    expect((await tusHead(h, location, team.token)).res.headers.get('upload-offset')).toBe('0');
  });

  it('stores each file of a zip upload by sha256, so a plan of the same models lacks nothing', async () => {
    const zip = await goodBundle(2);
    const reply = await upload(h, s, other.token, zip);
    expect(reply.status, reply.text).toBe(201);
    const id = parse(bundleResponse, reply).bundle.id;
    const [row] = await h.database.db.query.bundles.findMany({ where: (b, { eq }) => eq(b.id, id) });
    expect(row.files?.length).toBe(2);
    for (const f of row.files ?? []) expect(await h.blobs.exists(fileKey(f.sha256))).toBe(true);
    const { plan: p } = await planOk(h, s, other.token, plannedBundle(2, 'from-zip-models'));
    expect(p.missing).toEqual([]);
  });

  it('refuses bad plans: unsafe paths, wrong class count, another competition', async () => {
    const b = planBody(plannedBundle(0));
    const traversal = { ...b, files: [{ ...b.files[0], path: '../model.onnx' }] };
    expect(expectError(await plan(h, s, team.token, traversal), 400, 'invalid_argument')).toMatch(/\.\./);
    const named = { ...b, files: [{ ...b.files[0], path: 'manifest.json' }] };
    expectError(await plan(h, s, team.token, named), 400, 'invalid_argument');
    const classes = { ...b, manifest: JSON.stringify({ ...JSON.parse(b.manifest), classes: 7 }) };
    expectError(await plan(h, s, team.token, classes), 422, 'invalid_bundle');
    expectError(await plan(h, s, team.token, { ...b, manifest: '{' }), 422, 'invalid_manifest');
    expectError(await plan(h, s, '', b), 401, 'unauthenticated');
  });

  it('documents plan, commit and the tus requests', async () => {
    const doc = (await call(h, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const base = '/api/competitions/{slug}/bundles';
    expect(Object.keys(doc.paths[`${base}/plan`])).toEqual(['post']);
    expect(Object.keys(doc.paths[`${base}/plan/{planId}/commit`])).toEqual(['post']);
    expect(Object.keys(doc.paths[`${base}/uploads`])).toEqual(['post']);
    expect(Object.keys(doc.paths[`${base}/uploads/{uploadId}`]).sort()).toEqual(['delete', 'head', 'patch']);
    const responses = doc.paths[`${base}/plan`].post as { responses: Record<string, unknown> };
    expect(Object.keys(responses.responses)).toEqual(expect.arrayContaining(['200', '413', '507']));
  });
});

describe('limits and free disk', () => {
  let small: Harness;
  let slugSmall: string;
  let token: string;
  let free = 0;
  beforeAll(async () => {
    small = await openHarness('pglite', {
      maxFileBytes: 1000,
      maxBundleBytes: 1500,
      freeBytes: async () => free,
    });
    slugSmall = await createCompetition(small);
    token = (await registerTeam(small, slugSmall)).token;
  });
  afterAll(() => small.close());

  const body = (sizes: number[]) => ({
    manifest: JSON.stringify(manifest(4, { ensemble: { model: 'f0.onnx' } })),
    files: sizes.map((bytes, i) => ({ path: `f${i}.onnx`, bytes, sha256: sha(`content-${i}-${bytes}`) })),
  });

  it('413 for a file over the per-file limit or a bundle over the bundle limit, naming the sizes', async () => {
    free = 1024 ** 4;
    expect(expectError(await plan(small, slugSmall, token, body([1001])), 413, 'payload_too_large')).toMatch(
      /f0\.onnx.*limit per file/,
    );
    expect(
      expectError(await plan(small, slugSmall, token, body([900, 900])), 413, 'payload_too_large'),
    ).toMatch(/the limit is/);
  });

  it('507 when the missing bytes do not fit on the upload disk (statfs injected)', async () => {
    free = 100;
    const reply = await plan(small, slugSmall, token, body([900]));
    expect(expectError(reply, 507, 'insufficient_storage')).toMatch(/free for uploads/);
    free = 1024 ** 4;
    const ok = await plan(small, slugSmall, token, body([900]));
    expect(ok.status, ok.text).toBe(200);
  });
});
