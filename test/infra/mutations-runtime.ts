// Broken-on-purpose manifests for the runtime checks: each must make its check report the expected problem.
import {
  checkCommands,
  checkEnvNames,
  checkEnvValues,
  checkGpu,
  checkGraceful,
  checkIndexedJob,
  checkProbes,
  checkSharedData,
} from './checks-runtime.js';
import type { Facts } from './facts.js';
import type { Model, Obj } from './manifest-model.js';
import { args, container, del, edit, k8s, type Mutation, o, pod, service, set, setArg } from './mutate.js';

export type Suite = [name: string, check: (m: Model, f: Facts) => string[] | Promise<string[]>, Mutation[]];

const cfg = (r: Parameters<typeof k8s>[0]) => o(k8s(r, 'ConfigMap', 'sketchboard-config').data);
const env = (r: Parameters<typeof k8s>[0], name: string) => o(service(r, name).environment);
const probe = (r: Parameters<typeof k8s>[0], name: string, role: string) =>
  o(container(r, 'Deployment', name)[role]);

export const runtimeSuites: Suite[] = [
  [
    'env names are in functions/config/env.ts',
    checkEnvNames,
    [
      [
        'an unknown compose variable',
        (r) => set(env(r, 'scorer'), 'SKETCHBOARD_SCORER_THREADS', '2'),
        /compose scorer: SKETCHBOARD_SCORER_THREADS is not in the env schema/,
      ],
      [
        'a typo in the ConfigMap',
        (r) => set(cfg(r), 'SKETCHBOARD_LOGLEVEL', 'info'),
        /ConfigMap\/sketchboard-config .*SKETCHBOARD_LOGLEVEL/,
      ],
      [
        'a build-time variable at run time',
        (r) =>
          edit(
            r,
            'dockerfiles',
            'Dockerfile.gpu',
            'ENV NODE_ENV=production',
            'ENV ONNXRUNTIME_NODE_INSTALL=cuda12 NODE_ENV=production',
          ),
        /Dockerfile\.gpu:\d+: ONNXRUNTIME_NODE_INSTALL/,
      ],
      [
        'POSTGRES_* outside the postgres image',
        (r) => set(env(r, 'api'), 'POSTGRES_DB', 'x'),
        /compose api: POSTGRES_DB/,
      ],
    ],
  ],
  [
    'env values pass loadEnv',
    checkEnvValues,
    [
      [
        'S3 backend without a bucket',
        (r) => set(cfg(r), 'SKETCHBOARD_BLOB_BACKEND', 's3'),
        /SKETCHBOARD_S3_BUCKET: required/,
      ],
      [
        'DATABASE_URL without a host token',
        (r) => del(o(k8s(r, 'Secret', 'sketchboard-secrets').stringData), 'SKETCHBOARD_HOST_TOKEN'),
        /SKETCHBOARD_HOST_TOKEN: required/,
      ],
      [
        'a non-numeric concurrency',
        (r) => set(env(r, 'scorer'), 'SKETCHBOARD_SCORER_CONCURRENCY', 'one'),
        /compose service scorer: [\s\S]*SKETCHBOARD_SCORER_CONCURRENCY="one"/,
      ],
    ],
  ],
  [
    'commands are real CLI verbs, flags and scripts',
    checkCommands,
    [
      [
        'an unknown verb',
        (r) =>
          set(container(r, 'Deployment', 'sketchboard-scorer'), 'args', [
            'node',
            'functions/cli/bin.mjs',
            'scorers',
          ]),
        /no CLI verb "scorers"/,
      ],
      [
        'an unknown train flag',
        (r) => void args(r, 'Job', 'sketchboard-train').push('--fold-count', '5'),
        /--fold-count is not in the usage of "sketchboard train"/,
      ],
      [
        'a missing script',
        (r) => set(service(r, 'migrate'), 'command', ['node', '--import', 'tsx', 'infra/migrat.ts']),
        /infra\/migrat\.ts does not exist/,
      ],
      [
        'a script the image lacks',
        (r) =>
          edit(
            r,
            'dockerfiles',
            'Dockerfile.api',
            'COPY infra/migrate.ts infra/probe.ts',
            'COPY infra/probe.ts',
          ),
        /infra\/migrate\.ts is not copied into sketchboard-api/,
      ],
    ],
  ],
  [
    'probes hit real routes, ports and commands',
    checkProbes,
    [
      [
        'a wrong path',
        (r) => set(o(probe(r, 'sketchboard-api', 'readinessProbe').httpGet), 'path', '/health'),
        /readinessProbe GET \/health answers 404/,
      ],
      [
        'a wrong port',
        (r) => set(o(probe(r, 'sketchboard-api', 'livenessProbe').httpGet), 'port', 8080),
        /livenessProbe port 8080 is not the PORT/,
      ],
      [
        'a missing liveness probe',
        (r) => del(container(r, 'Deployment', 'sketchboard-scorer'), 'livenessProbe'),
        /sketchboard-scorer container scorer: needs a readinessProbe and a livenessProbe/,
      ],
      [
        'a bad probe flag',
        (r) =>
          set(o(probe(r, 'sketchboard-scorer', 'readinessProbe').exec), 'command', [
            'node',
            '--import',
            'tsx',
            'infra/probe.ts',
            '--deep',
          ]),
        /does not accept --deep \(readinessProbe\)/,
      ],
      [
        'a healthcheck on another port',
        (r) =>
          set(o(service(r, 'api').healthcheck), 'test', [
            'CMD',
            'node',
            '-e',
            "fetch('http://127.0.0.1:9999/healthz')",
          ]),
        /compose service api: healthcheck port 9999/,
      ],
    ],
  ],
  [
    'scorers and trainers get GPUs',
    checkGpu,
    [
      [
        'no nvidia.com/gpu',
        (r) => del(o(o(container(r, 'Deployment', 'sketchboard-scorer').resources).limits), 'nvidia.com/gpu'),
        /scorer needs a GPU/,
      ],
      [
        'no compose reservation',
        (r) => del(service(r, 'scorer'), 'deploy'),
        /compose service scorer: scorer needs a GPU/,
      ],
      [
        'no toleration',
        (r) => del(pod(r, 'Job', 'sketchboard-train'), 'tolerations'),
        /sketchboard-train container train: needs a GPU nodeSelector and toleration/,
      ],
      [
        'a CPU image',
        (r) => set(container(r, 'Deployment', 'sketchboard-scorer'), 'image', 'sketchboard-api:0.1.0'),
        /must run the image built from Dockerfile\.gpu/,
      ],
    ],
  ],
  [
    'the Indexed Job trains fold $(JOB_COMPLETION_INDEX)',
    checkIndexedJob,
    [
      [
        'completions != folds',
        (r) => set(o(k8s(r, 'Job', 'sketchboard-train').spec), 'completions', 4),
        /completions 4 != --folds 5/,
      ],
      [
        'a fixed fold',
        (r) => setArg(args(r, 'Job', 'sketchboard-train'), '--fold', '0'),
        /--fold must be \$\(JOB_COMPLETION_INDEX\)/,
      ],
      [
        'not Indexed',
        (r) => set(o(k8s(r, 'Job', 'sketchboard-train').spec), 'completionMode', 'NonIndexed'),
        /completionMode must be Indexed/,
      ],
      [
        'data off the PVC',
        (r) => setArg(args(r, 'Job', 'sketchboard-train'), '--data', '/tmp/sketch'),
        /--data \/tmp\/sketch is not on a PersistentVolumeClaim/,
      ],
    ],
  ],
  [
    'shutdown leaves the scorer its grace period',
    checkGraceful,
    [
      [
        'Kubernetes default grace',
        (r) => del(pod(r, 'Deployment', 'sketchboard-scorer'), 'terminationGracePeriodSeconds'),
        /30 s to stop; the scorer needs at least 60 s/,
      ],
      [
        'compose default grace',
        (r) => del(service(r, 'scorer'), 'stop_grace_period'),
        /compose service scorer: 10 s to stop/,
      ],
    ],
  ],
  [
    'API and scorers share the data folder',
    checkSharedData,
    [
      [
        'a scorer mounting elsewhere',
        (r) =>
          set(
            o((container(r, 'Deployment', 'sketchboard-scorer').volumeMounts as Obj[])[0]),
            'mountPath',
            '/srv',
          ),
        /sketchboard-scorer container scorer: no volume mounted at SKETCHBOARD_DATA_DIR \(\/data\)/,
      ],
      [
        'another claim',
        (r) =>
          set(
            o((pod(r, 'Deployment', 'sketchboard-scorer').volumes as Obj[])[0].persistentVolumeClaim),
            'claimName',
            'sketchboard-training',
          ),
        /k8s: API and scorers mount different data volumes/,
      ],
      [
        'a compose scorer without the volume',
        (r) => del(service(r, 'scorer'), 'volumes'),
        /compose service scorer: no volume mounted/,
      ],
    ],
  ],
];
