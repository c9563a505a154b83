// openBundle refuses well-formed zips with a bad manifest, missing models or shards, or unsafe model references.
import { describe, it } from 'vitest';
import { manifestJson, modelJson, tinyOnnx } from './fixtures.js';
import type { RawEntry } from './rawzip.js';
import { expectOpenRefused, useWorkspace } from './refusals.js';

const ws = useWorkspace('sb-content-');

const file = (name: string, data: string | Uint8Array): RawEntry => ({ name, data: Buffer.from(data) });
const manifestFor = (model: string) => file('manifest.json', manifestJson({ model }));

/** Expect openBundle to refuse the zip with `code` and `message` (a string: contained), leaving nothing. */
const expectRefused = (entries: RawEntry[], code: string, message: RegExp | string) =>
  expectOpenRefused(ws, entries, code, message);

describe('manifest problems', () => {
  it('refuses a bundle without manifest.json', async () => {
    await expectRefused(
      [file('m.onnx', tinyOnnx())],
      'invalid_manifest',
      /the bundle has no manifest\.json at its root$/,
    );
  });

  it('points at a manifest zipped inside a folder', async () => {
    await expectRefused(
      [file('run/manifest.json', manifestJson({ model: 'm.onnx' })), file('run/m.onnx', tinyOnnx())],
      'invalid_manifest',
      /no manifest\.json at its root \(found run\/manifest\.json: zip the bundle folder's contents/,
    );
  });

  it('refuses a manifest that is not JSON', async () => {
    await expectRefused(
      [file('manifest.json', '{"version": 1,'), file('m.onnx', tinyOnnx())],
      'invalid_manifest',
      /manifest\.json is not valid JSON/,
    );
  });

  it('refuses a manifest that fails the schema', async () => {
    const bad = JSON.stringify({ ...JSON.parse(manifestJson({ model: 'm.onnx' })), threads: 64 });
    await expectRefused(
      [file('manifest.json', bad), file('m.onnx', tinyOnnx())],
      'invalid_manifest',
      /manifest\.json is invalid: .*threads/,
    );
  });

  it('refuses a manifest naming a model that is not in the bundle', async () => {
    await expectRefused(
      [
        file(
          'manifest.json',
          manifestJson({ vote: 'soft', members: [{ model: 'a.onnx' }, { model: 'b/c.onnx' }] }),
        ),
        file('a.onnx', tinyOnnx()),
      ],
      'invalid_manifest',
      /model b\/c\.onnx named by the manifest is missing from the bundle/,
    );
  });

  it('refuses a model that is a folder', async () => {
    await expectRefused(
      [manifestFor('m.onnx'), { name: 'm.onnx/', data: '' }, file('m.onnx/x', 'x')],
      'invalid_manifest',
      /model m\.onnx named by the manifest is not a regular file/,
    );
  });
});

describe('model problems', () => {
  it('refuses a missing TF.js shard', async () => {
    await expectRefused(
      [
        manifestFor('cnn/model.json'),
        file('cnn/model.json', modelJson([['s1.bin', 's2.bin']])),
        file('cnn/s1.bin', 'x'),
      ],
      'invalid_model',
      /file cnn\/s2\.bin referenced by model cnn\/model\.json is missing from the bundle/,
    );
  });

  it('refuses a model.json that is not JSON, or not a TF.js model', async () => {
    await expectRefused(
      [manifestFor('cnn/model.json'), file('cnn/model.json', '<html>')],
      'invalid_model',
      /model cnn\/model\.json is not valid JSON/,
    );
    await expectRefused(
      [manifestFor('cnn/model.json'), file('cnn/model.json', '{"weightsManifest": []}')],
      'invalid_model',
      /model cnn\/model\.json is not a TF\.js model\.json: modelTopology/,
    );
  });

  it('refuses ONNX bytes that are not a model', async () => {
    await expectRefused(
      [manifestFor('m.onnx'), file('m.onnx', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))],
      'invalid_model',
      /model m\.onnx is not a valid ONNX model/,
    );
  });

  const outside: [string, string][] = [
    ['a parent folder', '../x'],
    ['an absolute path', '/etc/passwd'],
    ['a subfolder', 'sub/w.bin'],
    ['a backslash path', 'sub\\w.bin'],
    ['a drive letter', 'C:w.bin'],
  ];
  it.each(outside)('refuses ONNX external data in %s', async (_label, location) => {
    await expectRefused(
      [
        manifestFor('models/m.onnx'),
        file('models/m.onnx', tinyOnnx(location)),
        file('models/sub/w.bin', 'x'),
      ],
      'invalid_model',
      `model models/m.onnx references ${JSON.stringify(location)}: it is not a plain file name`,
    );
  });

  it('refuses ONNX external data that is missing', async () => {
    await expectRefused(
      [
        manifestFor('models/m.onnx'),
        file('models/m.onnx', tinyOnnx('w.bin')),
        file('w.bin', 'at the root, not next to the model'),
      ],
      'invalid_model',
      /file models\/w\.bin referenced by model models\/m\.onnx is missing from the bundle/,
    );
  });
});
