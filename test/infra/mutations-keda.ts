// Broken-on-purpose scale-to-zero manifests: each must make its check report the expected problem.
import { checkScaledJobs } from './checks-keda.js';
import { checkGpu, checkGraceful, checkSharedData } from './checks-runtime.js';
import type { Obj, RawInfra } from './manifest-model.js';
import { container, k8s, o, pod, set } from './mutate.js';
import type { Suite } from './mutations-runtime.js';

const SCALED = ['ScaledJob', 'sketchboard-score'] as const;
const spec = (r: RawInfra) => o(k8s(r, ...SCALED).spec);
const trigger = (r: RawInfra) => o((spec(r).triggers as Obj[])[0]);
const meta = (r: RawInfra) => o(trigger(r).metadata);
const score = (r: RawInfra) => container(r, ...SCALED);
const authRef = (r: RawInfra) =>
  o((o(k8s(r, 'TriggerAuthentication', 'sketchboard-queue-db').spec).secretTargetRef as Obj[])[0]);

export const kedaSuites: Suite[] = [
  [
    'the KEDA ScaledJob scales score --next Jobs on the scoring queue',
    checkScaledJobs,
    [
      [
        'a trigger of another type',
        (r) => set(trigger(r), 'type', 'postgres'),
        /trigger type postgres, not postgresql/,
      ],
      [
        'a query on another queue',
        (r) =>
          set(
            meta(r),
            'query',
            String(meta(r).query).replace("'score-submission'", "'score-submission-dead'"),
          ),
        /the query must count pgboss\.job rows of queue score-submission/,
      ],
      [
        'several queued jobs per Job',
        (r) => set(meta(r), 'targetQueryValue', '5'),
        /targetQueryValue must be "1"/,
      ],
      ['a Job that always runs', (r) => set(spec(r), 'minReplicaCount', 1), /minReplicaCount must be 0/],
      [
        'the default scaling strategy',
        (r) => set(o(spec(r).scalingStrategy), 'strategy', 'default'),
        /scalingStrategy must be accurate/,
      ],
      [
        'a pod without a submission to claim',
        (r) => set(score(r), 'args', ['node', 'functions/cli/bin.mjs', 'score', '--submission', 'x']),
        /must run `sketchboard score --next`/,
      ],
      [
        'the long-running scorer',
        (r) => set(score(r), 'args', ['node', 'functions/cli/bin.mjs', 'scorer']),
        /score --next/,
      ],
      [
        'restarting pods',
        (r) => set(pod(r, ...SCALED), 'restartPolicy', 'OnFailure'),
        /restartPolicy must be Never/,
      ],
      [
        'other env sources than the scorer',
        (r) => set(score(r), 'envFrom', [{ configMapRef: { name: 'sketchboard-config' } }]),
        /envFrom differs from the scorer Deployment's/,
      ],
      [
        'a missing Secret',
        (r) => set(authRef(r), 'name', 'sketchboard-secret'),
        /no Secret sketchboard-secret/,
      ],
      ['a key the Secret lacks', (r) => set(authRef(r), 'key', 'DATABASE_URI'), /has no key DATABASE_URI/],
      [
        'a missing TriggerAuthentication',
        (r) => set(o(trigger(r).authenticationRef), 'name', 'queue-db'),
        /no TriggerAuthentication queue-db/,
      ],
    ],
  ],
  [
    'ScaledJob pods are GPU scorers with the scorer’s data and shutdown budget',
    (m, f) => [...checkGpu(m), ...checkGraceful(m, f), ...checkSharedData(m, f)],
    [
      [
        'no GPU limit',
        (r) => set(o(o(score(r).resources).limits), 'nvidia.com/gpu', 0),
        /ScaledJob\/sketchboard-score container score: score needs a GPU/,
      ],
      [
        'the API image',
        (r) => set(score(r), 'image', 'sketchboard-api:0.1.0'),
        /must run the image built from Dockerfile\.gpu/,
      ],
      [
        'no GPU nodes',
        (r) => set(pod(r, ...SCALED), 'nodeSelector', {}),
        /needs a GPU nodeSelector and toleration/,
      ],
      [
        'a short termination grace',
        (r) => set(pod(r, ...SCALED), 'terminationGracePeriodSeconds', 30),
        /ScaledJob\/sketchboard-score container score: 30 s to stop/,
      ],
      [
        'no shared data volume',
        (r) => set(score(r), 'volumeMounts', [{ name: 'work', mountPath: '/tmp' }]),
        /ScaledJob\/sketchboard-score container score: no volume mounted at SKETCHBOARD_DATA_DIR/,
      ],
    ],
  ],
];
