// infra/ checked against the code: every check passes on the repository and fails on a manifest broken on purpose.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkReferences } from './checks-build.js';
import { scaledJobs, triggersOf } from './checks-keda.js';
import { type Facts, loadFacts } from './facts.js';
import { buildModel, loadRawInfra, type Model, type RawInfra } from './manifest-model.js';
import { buildSuites } from './mutations-build.js';
import { kedaSuites } from './mutations-keda.js';
import { runtimeSuites } from './mutations-runtime.js';
import { applyPatches } from './overlay.js';

const suites = [...runtimeSuites, ...buildSuites, ...kedaSuites];
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

/** The scale-to-zero overlay (the base without the scorer Deployment, plus the ScaledJob), plus the training Job. */
function scaleToZeroModel(raw: RawInfra): Model {
  const base = (f: string) => f.startsWith('base/');
  const pick = (keep: (f: string) => boolean) =>
    Object.entries(raw.k8s)
      .filter(([f]) => keep(f))
      .flatMap(([, d]) => d);
  return buildModel(raw, [...applyPatches(pick(base), raw.scaleToZero), ...pick((f) => !base(f))]);
}

describe.each(suites)('%s', (_name, check, mutations) => {
  it('holds for the repository (compose, Kubernetes base, S3 and scale-to-zero overlays)', async () => {
    expect(await check(buildModel(pristine), facts)).toEqual([]);
    expect(await check(overlayModel(pristine), facts)).toEqual([]);
    expect(await check(scaleToZeroModel(pristine), facts)).toEqual([]);
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

describe('the scale-to-zero overlay', () => {
  it('replaces the scorer Deployment by a KEDA ScaledJob of GPU `score --next` pods wired like the scorer', () => {
    const full = buildModel(pristine);
    const m = scaleToZeroModel(pristine);
    const kinds = (x: Model) => x.objects.map((o) => `${o.kind}/${(o.metadata as { name: string }).name}`);
    expect(kinds(m)).not.toContain('Deployment/sketchboard-scorer');
    expect(kinds(m)).toEqual(
      expect.arrayContaining(['ScaledJob/sketchboard-score', 'TriggerAuthentication/sketchboard-queue-db']),
    );
    expect(pristine.kustomizations['k8s/scale-to-zero'].resources).toEqual(['../base', 'scaledjob.yaml']);
    const [job] = scaledJobs(m);
    expect(job).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', spec: { minReplicaCount: 0 } });
    const [trigger] = triggersOf(job);
    expect(trigger).toMatchObject({ type: 'postgresql', authenticationRef: 'sketchboard-queue-db' });
    expect(trigger.metadata.query).toMatch(/FROM pgboss\.job\s+WHERE name = 'score-submission'/);
    const score = m.containers.find((c) => c.owner === 'ScaledJob');
    const scorer = full.containers.find((c) => c.where.startsWith('Deployment/sketchboard-scorer'));
    expect(score?.argv).toEqual(['node', 'functions/cli/bin.mjs', 'score', '--next']);
    expect(score?.gpus).toBe(1);
    expect(score?.image).toBe(scorer?.image);
    // The same environment as the scorer Deployment (its explicit concurrency aside), valid for loadEnv.
    const { SKETCHBOARD_SCORER_CONCURRENCY: _, ...scorerEnv } = scorer?.env ?? {};
    expect(score?.env).toEqual(scorerEnv);
    expect(facts.loadEnv(score?.env ?? {}).databaseUrl).toMatch(/^postgres:\/\//);
    expect(checkReferences(m, facts)).toEqual([]);
  });
});
