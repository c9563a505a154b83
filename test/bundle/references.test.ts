// modelReferences: ONNX external data found everywhere it can hide, TF.js shards, and every unsafe reference refused.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onnxExternalLocations } from '../../core/backends/onnx-graph/external-data.js';
import { modelReferences, plainNameReason } from '../../core/bundle/references.js';
import { useTempDir } from '../helpers/temp.js';
import {
  addGraph,
  attr,
  externalTensor,
  inlineTensor,
  modelJson,
  node,
  onnxBytes,
  tinyOnnx,
  writeTree,
} from './fixtures.js';

const tmp = useTempDir('sb-refs-');

describe('onnxExternalLocations', () => {
  it('finds nothing in a model with inline weights', () => {
    expect(onnxExternalLocations(tinyOnnx(), 'm')).toEqual([]);
  });

  it('finds external data in initializers, sparse initializers, node attributes, subgraphs and functions', () => {
    const deepBody = addGraph('deep', 'deep.bin');
    const graph = {
      ...addGraph('main', 'init.bin'),
      sparseInitializer: [
        { values: externalTensor('sv', 'sparse-values.bin'), indices: inlineTensor('si'), dims: [8] },
      ],
    };
    graph.node = [
      ...(graph.node ?? []),
      node('Constant', [attr.t('value', externalTensor('c', 'const.bin'))]),
      node('Custom', [attr.tensors('many', [inlineTensor('a'), externalTensor('b', 'tensors.bin')])]),
      node('Constant', [attr.sparse('sparse_value', externalTensor('sa', 'sparse-attr.bin'))]),
      node('If', [
        attr.g('then_branch', addGraph('then', 'then.bin')),
        attr.g('else_branch', { ...addGraph('else'), node: [node('Loop', [attr.g('body', deepBody)])] }),
      ]),
      node('Custom', [attr.graphs('bodies', [addGraph('g1', 'graphs1.bin'), addGraph('g2', 'init.bin')])]),
    ];
    const fn = {
      name: 'f',
      domain: 'local',
      node: [node('Constant', [attr.t('value', externalTensor('fc', 'func.bin'))])],
    };
    expect(onnxExternalLocations(onnxBytes(graph, [fn]), 'm').sort()).toEqual([
      'const.bin',
      'deep.bin',
      'func.bin',
      'graphs1.bin',
      'init.bin',
      'sparse-attr.bin',
      'sparse-values.bin',
      'tensors.bin',
      'then.bin',
    ]);
  });

  it('refuses external data without a location, and bytes that are not a model', () => {
    const noLocation = { ...externalTensor('w', 'x'), externalData: [{ key: 'offset', value: '0' }] };
    const bytes = onnxBytes({ ...addGraph('g'), initializer: [noLocation] });
    expect(() => onnxExternalLocations(bytes, 'model a.onnx')).toThrow(
      /model a\.onnx: tensor "w" is stored as external data but has no location/,
    );
    expect(() => onnxExternalLocations(new Uint8Array(0), 'model a.onnx')).toThrow(
      /not a valid ONNX model: it has no graph/,
    );
  });
});

describe('plainNameReason', () => {
  it.each(['w.bin', 'model.onnx.data', 'group1-shard1of2.bin', '..weights'])('accepts %s', (name) => {
    expect(plainNameReason(name)).toBeNull();
  });
  it.each([
    '',
    '.',
    '..',
    '../w.bin',
    '/etc/passwd',
    'sub/w.bin',
    'sub\\w.bin',
    'C:w.bin',
    'w\u0000.bin',
    'x'.repeat(256),
  ])('refuses %j', (name) => {
    expect(plainNameReason(name)).toMatch(/not a plain file name/);
  });
});

describe('modelReferences', () => {
  it('resolves ONNX external data next to the model, deduplicated and sorted', async () => {
    const graph = addGraph('g', 'b.bin');
    graph.initializer = [
      ...(graph.initializer ?? []),
      externalTensor('w2', 'a.bin'),
      externalTensor('w3', 'b.bin'),
    ];
    await writeTree(tmp.dir, { 'fam/m.onnx': onnxBytes(graph), 'fam/a.bin': 'a', 'fam/b.bin': 'b' });
    expect(await modelReferences(tmp.dir, 'fam/m.onnx')).toEqual(['fam/a.bin', 'fam/b.bin']);
  });

  it('lists TF.js shards of every weight group', async () => {
    await writeTree(tmp.dir, {
      'model.json': modelJson([['g1-1.bin', 'g1-2.bin'], ['g2-1.bin']]),
      'g1-1.bin': '1',
      'g1-2.bin': '2',
      'g2-1.bin': '3',
    });
    expect(await modelReferences(tmp.dir, 'model.json')).toEqual(['g1-1.bin', 'g1-2.bin', 'g2-1.bin']);
  });

  it('refuses a model.json over the size cap', async () => {
    await writeTree(tmp.dir, { 'model.json': modelJson([['s.bin']]), 's.bin': 'x' });
    await expect(modelReferences(tmp.dir, 'model.json', { maxJsonBytes: 20 })).rejects.toMatchObject({
      code: 'invalid_model',
      message: expect.stringMatching(/model model\.json is \d+ bytes, over the limit of 20/),
    });
  });

  it('refuses a referenced file that is a symlink, even to a file inside the bundle', async () => {
    await writeTree(tmp.dir, { 'm.onnx': tinyOnnx('w.bin'), 'real.bin': 'x' });
    await symlink(join(tmp.dir, 'real.bin'), join(tmp.dir, 'w.bin'));
    await expect(modelReferences(tmp.dir, 'm.onnx')).rejects.toMatchObject({
      code: 'invalid_model',
      message: 'file w.bin referenced by model m.onnx is a symlink; bundles hold regular files only',
    });
  });

  it('refuses a referenced file that is a folder', async () => {
    await writeTree(tmp.dir, { 'm.onnx': tinyOnnx('w.bin') });
    await mkdir(join(tmp.dir, 'w.bin'));
    await expect(modelReferences(tmp.dir, 'm.onnx')).rejects.toThrow(
      /file w\.bin referenced by model m\.onnx is not a regular file/,
    );
  });

  it('refuses a missing model and an unknown format', async () => {
    await expect(modelReferences(tmp.dir, 'none.onnx')).rejects.toMatchObject({
      code: 'invalid_model',
      message: 'model none.onnx is missing from the bundle',
    });
    await expect(modelReferences(tmp.dir, 'm.pt')).rejects.toThrow(/model m\.pt: unknown format/);
  });
});
