// Route tests, error paths of uploads: oversize (declared or chunked), truncated, and refused bundles (invalid
// manifest, models, class count, not a zip). Each gets a clear 4xx, changes nothing, leaves no file behind.
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../backends/onnx-fixtures.js';
import { drivers } from '../helpers/db.js';
import { useErrorSuite } from './error-suite.js';
import { bearer, CLASSES, constantModel, goodBundle, HOST, manifest, zip } from './fixtures.js';
import { call, expectError, type Reply, upload } from './flow.js';

describe.each(drivers())('API upload errors over %s', (driver) => {
  const api = useErrorSuite(driver);

  it('413 for oversize bundles, declared or chunked, JSON bodies and dataset archives; partial files removed', async () => {
    const big = new Uint8Array(64 * 1024 + 1);
    expectError(await upload(api.h, api.s, api.team.token, big), 413, 'payload_too_large');
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(4096));
        controller.close();
      },
    });
    const res = await upload(api.h, api.s, api.team.token, chunked);
    expect(res.status).toBe(413);
    const long = JSON.stringify({ name: 'x', members: Array.from({ length: 20 }, () => 'm'.repeat(4000)) });
    expectError(await api.post(`/api/competitions/${api.s}/teams`, long), 413, 'payload_too_large');
    const form = new FormData();
    form.set('slug', 'too-big');
    form.set('title', 't');
    form.set('endsAt', '2030-05-01T00:00:00Z');
    form.set('dataset', new Blob([new Uint8Array(300 * 1024)]), 'd.zip');
    expectError(
      await call(api.h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      413,
      'payload_too_large',
    );
  });

  it('400 for truncated uploads (short of Content-Length, or the stream breaking)', async () => {
    const bytes = await goodBundle(1);
    const short = await call(api.h, 'POST', `/api/competitions/${api.s}/bundles`, {
      headers: {
        ...bearer(api.team.token),
        'Content-Type': 'application/zip',
        'Content-Length': String(bytes.length + 500),
      },
      body: bytes,
    });
    expect(expectError(short, 400, 'invalid_argument')).toMatch(/truncated/);
    let sent = 0;
    const breaking = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2) return controller.error(new Error('connection reset'));
        controller.enqueue(bytes.subarray(sent * 100, sent * 100 + 100));
        sent++;
      },
    });
    const res = await upload(api.h, api.s, api.team.token, breaking);
    expect(res.status).toBe(400);
    const form = `--b1\r\nContent-Disposition: form-data; name="bundle"; filename="b.zip"\r\n\r\n${'x'.repeat(100)}`;
    expectError(
      await api.post(
        `/api/competitions/${api.s}/bundles`,
        form,
        'multipart/form-data; boundary=b1',
        bearer(api.team.token),
      ),
      400,
      'invalid_argument',
    );
  });

  /** Upload `files` zipped; expect 422 with `code` and a message matching `why`. */
  async function refused(
    files: Record<string, string | Uint8Array>,
    code: string,
    why: RegExp,
  ): Promise<Reply> {
    const reply = await upload(api.h, api.s, api.team.token, await zip(files));
    const message = expectError(reply, 422, code);
    expect(message).toMatch(why);
    expect(message).not.toMatch(/\/tmp|upload-|\.part|sketchboard-bundle-/); // no server paths or temp names
    return reply;
  }

  it('422 for invalid manifests, models and class counts, with the reason', async () => {
    const model = constantModel(CLASSES, 0);
    await refused({ 'model.onnx': model }, 'invalid_manifest', /manifest\.json/);
    await refused(
      { 'manifest.json': '{"version":1', 'model.onnx': model },
      'invalid_manifest',
      /JSON|manifest/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest(CLASSES, { threads: 8 })), 'model.onnx': model },
      'invalid_manifest',
      /threads/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest()), 'other.onnx': model },
      'invalid_manifest',
      /model\.onnx/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest()), 'model.onnx': 'not a model' },
      'invalid_model',
      /model\.onnx/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest()), 'model.onnx': constantModel(3, 0) },
      'invalid_model',
      /model\.onnx/,
    );
    // A two-head model: a leaf naming an output it lacks is refused, naming the output and listing the model's.
    const heads = encodeModel({
      inputs: [{ name: 'image', dims: ['N', 1, 8, 8] }],
      outputs: ['fold0', 'fold1'].map((name) => ({ name, dims: ['N', CLASSES] })),
      nodes: ['fold0', 'fold1'].map((name) => ({ opType: 'Identity', input: ['logits'], output: [name] })),
      inits: [{ name: 'logits', dims: [1, CLASSES], values: new Array<number>(CLASSES).fill(0) }],
    });
    const leaves = [
      { model: 'model.onnx', outputName: 'fold0' },
      { model: 'model.onnx', outputName: 'fold3' },
    ];
    await refused(
      {
        'manifest.json': JSON.stringify(manifest(CLASSES, { ensemble: { vote: 'soft', members: leaves } })),
        'model.onnx': heads,
      },
      'invalid_model',
      /model\.onnx has no output "fold3"; it has 2 outputs \(fold0, fold1\)/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest(7)), 'model.onnx': constantModel(7, 0) },
      'invalid_bundle',
      /7 classes.*has 4/,
    );
    expectError(
      await upload(api.h, api.s, api.team.token, new TextEncoder().encode('PK not really a zip')),
      422,
      'unsafe_archive',
    );
  });
  it('reads multipart parts with extra headers, then refuses the bundle inside (422)', async () => {
    const bytes = await zip({ 'manifest.json': '{}' }); // refused later, but parsed as a bundle part first
    const boundary = 'XyZ-123';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="bundle"; filename="b.zip"\r\n`),
      Buffer.from('Content-Type: application/zip\r\nX-Extra: 1\r\n\r\n'),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await call(api.h, 'POST', `/api/competitions/${api.s}/bundles`, {
      headers: { ...bearer(api.team.token), 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(r.status).toBe(422);
    expectError(r, 422, 'invalid_manifest');
  });
});
