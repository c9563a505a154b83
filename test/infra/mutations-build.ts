// Broken-on-purpose images, Dockerfiles and references: each must make its check report the expected problem.
import { checkDockerfiles, checkImages, checkReferences } from './checks-build.js';
import type { Obj } from './manifest-model.js';
import { container, edit, k8s, o, pod, service, set } from './mutate.js';
import type { Suite } from './mutations-runtime.js';

const gpu = 'Dockerfile.gpu';
const api = 'Dockerfile.api';

export const buildSuites: Suite[] = [
  [
    'images are built here or pinned',
    checkImages,
    [
      [
        'an untagged build',
        (r) => set(container(r, 'Deployment', 'sketchboard-api'), 'image', 'sketchboard-api:latest'),
        /sketchboard-api:latest should be tagged/,
      ],
      [
        'a floating postgres',
        (r) => set(service(r, 'postgres'), 'image', 'postgres:15'),
        /postgres:15 is neither built here nor pinned/,
      ],
      [
        'a floating base image',
        (r) => edit(r, 'dockerfiles', api, /FROM node:\S+ AS base/, 'FROM node:20 AS base'),
        /FROM node:20 is not a pinned/,
      ],
    ],
  ],
  [
    'Dockerfiles install the runtimes they promise',
    checkDockerfiles,
    [
      [
        'no ONNXRUNTIME_NODE_INSTALL',
        (r) =>
          edit(r, 'dockerfiles', gpu, 'ENV ONNXRUNTIME_NODE_INSTALL=cuda12', 'ENV NPM_CONFIG_FUND=false'),
        /ONNXRUNTIME_NODE_INSTALL=\(unset\)/,
      ],
      [
        'a CUDA build ORT does not ship',
        (r) =>
          edit(
            r,
            'dockerfiles',
            gpu,
            'ENV ONNXRUNTIME_NODE_INSTALL=cuda12',
            'ENV ONNXRUNTIME_NODE_INSTALL=cuda11',
          ),
        /ONNXRUNTIME_NODE_INSTALL=cuda11 .*accepts cuda12/,
      ],
      [
        'the denied install script not run',
        (r) =>
          edit(r, 'dockerfiles', gpu, ' && node node_modules/onnxruntime-node/script/install.js \\\n', ''),
        /must run it after npm ci/,
      ],
      [
        'no tfjs-node-gpu check',
        (r) =>
          edit(
            r,
            'dockerfiles',
            gpu,
            /\s+&& test -n "\$\(find node_modules\/@tensorflow\/tfjs-node-gpu[^\n]*\n/,
            '\n',
          ),
        /tfjs-node-gpu must be installed/,
      ],
      [
        'a CUDA 11 base',
        (r) =>
          edit(r, 'dockerfiles', gpu, /nvidia\/cuda:\S+/, 'nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04'),
        /CUDA 12 cuDNN runtime/,
      ],
      [
        'root',
        (r) => edit(r, 'dockerfiles', api, 'USER 10001:10001', 'USER root'),
        /Dockerfile\.api: final USER/,
      ],
      [
        'a dockerignored COPY',
        (r) => edit(r, 'dockerignores', `${gpu}.dockerignore`, '!migrations\n', ''),
        /Dockerfile\.gpu: COPY migrations is dockerignored/,
      ],
      [
        'optional deps omitted',
        (r) => edit(r, 'dockerfiles', gpu, 'npm ci --omit=dev', 'npm ci --omit=dev --omit=optional'),
        /Dockerfile\.gpu: must install with/,
      ],
      [
        'the embedded scorer on',
        (r) =>
          edit(
            r,
            'dockerfiles',
            api,
            'SKETCHBOARD_EMBEDDED_SCORER=false',
            'SKETCHBOARD_EMBEDDED_SCORER=true',
          ),
        /must be off in the API image/,
      ],
      [
        'another default command',
        (r) =>
          edit(
            r,
            'dockerfiles',
            gpu,
            '"functions/cli/bin.mjs", "scorer"]',
            '"functions/cli/bin.mjs", "serve"]',
          ),
        /CMD must be `node functions\/cli\/bin\.mjs scorer`/,
      ],
    ],
  ],
  [
    'references resolve',
    checkReferences,
    [
      [
        'a missing claim',
        (r) =>
          set(
            o((pod(r, 'Deployment', 'sketchboard-api').volumes as Obj[])[0].persistentVolumeClaim),
            'claimName',
            'blobs',
          ),
        /no PVC blobs/,
      ],
      [
        'a missing ConfigMap',
        (r) =>
          set(
            o((container(r, 'Job', 'sketchboard-migrate').envFrom as Obj[])[0].configMapRef),
            'name',
            'config',
          ),
        /no ConfigMap config/,
      ],
      [
        'a Service to nowhere',
        (r) => set(o((o(k8s(r, 'Service', 'sketchboard-api').spec).ports as Obj[])[0]), 'targetPort', 'web'),
        /targetPort web is no container port/,
      ],
      [
        'a kustomize resource that is gone',
        (r) => void (r.kustomizations['k8s/base'].resources as string[]).push('ingress.yaml'),
        /no ingress\.yaml/,
      ],
      [
        'an undeclared compose volume',
        (r) => set(service(r, 'api'), 'volumes', ['uploads:/data']),
        /compose service api: volume uploads undeclared/,
      ],
    ],
  ],
];
