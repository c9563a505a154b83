// infra/ checked against the code: every check passes on the repository and fails on a manifest broken on purpose.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkReferences } from './checks-build.js';
import { type Facts, loadFacts } from './facts.js';
import { buildModel, loadRawInfra, type Model, type RawInfra } from './manifest-model.js';
import { buildSuites } from './mutations-build.js';
import { runtimeSuites } from './mutations-runtime.js';
import { applyPatches } from './overlay.js';

const suites = [...runtimeSuites, ...buildSuites];
let facts: Facts;
let pristine: RawInfra;
beforeAll(async () => {
  facts = await loadFacts();
  pristine = loadRawInfra();
});

/** The S3 overlay applied to the base, plus the on-demand training Job. */
function overlayModel(raw: RawInfra): Model {
  const base = Object.entries(raw.k8s)
    .filter(([f]) => f.startsWith('base/'))
    .flatMap(([, d]) => d);
  const rest = Object.entries(raw.k8s)
    .filter(([f]) => !f.startsWith('base/'))
    .flatMap(([, d]) => d);
  return buildModel(raw, [...applyPatches(base, raw.overlay), ...rest]);
}

describe.each(suites)('%s', (_name, check, mutations) => {
  it('holds for the repository (compose, Kubernetes base, S3 overlay)', async () => {
    expect(await check(buildModel(pristine), facts)).toEqual([]);
    expect(await check(overlayModel(pristine), facts)).toEqual([]);
  });

  it.each(mutations)('fails for %s', async (_what, mutate, expected) => {
    const raw = structuredClone(pristine);
    mutate(raw);
    const problems = await check(buildModel(raw), facts);
    expect(problems.join('\n')).toMatch(expected);
  });
});

describe('the S3 overlay', () => {
  it('switches blobs to S3 and keeps the shared data volume for datasets', () => {
    const m = overlayModel(pristine);
    const api = m.containers.find((c) => c.where.startsWith('Deployment/sketchboard-api'));
    expect(facts.loadEnv(api?.env ?? {}).blobs).toMatchObject({
      backend: 's3',
      bucket: 'sketchboard-blobs',
      prefix: 'prod/',
    });
    expect(api?.env.AWS_SECRET_ACCESS_KEY).toBeDefined();
    expect(api?.volumes).toContainEqual({ name: 'shared', mountPath: '/data', claim: 'sketchboard-shared' });
  });

  it('fails on patches that miss their target, and reports claims a patch leaves dangling', () => {
    const base = Object.entries(pristine.k8s).flatMap(([f, d]) => (f.startsWith('base/') ? d : []));
    const cfg = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sketchboard-cfg' }, data: {} };
    expect(() => applyPatches(base, [cfg])).toThrow(
      /targets ConfigMap\/sketchboard-cfg, which the base does not define/,
    );
    const volumes = [{ name: 'blobs', $patch: 'delete' }];
    const typo = {
      kind: 'Deployment',
      metadata: { name: 'sketchboard-api' },
      spec: { template: { spec: { volumes } } },
    };
    expect(() => applyPatches(base, [typo])).toThrow(/deletes volumes blobs, which is not there/);
    const dropClaim = {
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'sketchboard-shared' },
      $patch: 'delete',
    };
    const m = buildModel(pristine, applyPatches(base, [dropClaim]));
    expect(checkReferences(m, facts).join('\n')).toMatch(/sketchboard-scorer: no PVC sketchboard-shared/);
  });
});
