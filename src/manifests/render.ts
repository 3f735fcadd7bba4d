import { stringify } from 'yaml';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from './webhooks.js';
import { rbacObjects } from './rbac.js';
import type { KubeObject, ManifestOptions } from './types.js';
import { workloadObjects } from './workload.js';

export const DEFAULT_IMAGE = 'ztgate:0.1.0';

// kustomize's legacy output order: what others depend on first, webhooks last so nothing is reviewed
// by a webhook whose backend does not exist yet.
const KIND_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

function order(object: KubeObject): number {
  const index = KIND_ORDER.indexOf(object.kind);
  return index === -1 ? KIND_ORDER.length : index;
}

/** Every object ztgate is deployed with, in apply order. Pure: the same options give the same objects. */
export function renderManifests(options: ManifestOptions): KubeObject[] {
  const objects = [
    ...workloadObjects(options),
    ...(options.crds ?? []),
    ...rbacObjects(options),
    mutatingWebhookConfiguration(options),
    validatingWebhookConfiguration(options),
  ];
  // Copies, so callers may edit the result without touching the shared constants inside.
  return structuredClone(objects).sort((a, b) => order(a) - order(b) || a.metadata.name.localeCompare(b.metadata.name));
}

/** Multi-document YAML, one document per object. */
export function toYaml(objects: readonly KubeObject[]): string {
  // No anchors for repeated values, and no folding of long base64 lines: kubectl users read this.
  return objects.map((object) => stringify(object, { aliasDuplicateObjects: false, lineWidth: 0 })).join('---\n');
}

/** Which file of deploy/ holds each kind. */
const FILE_OF_KIND: Record<string, string> = {
  Namespace: 'namespace.yaml',
  ServiceAccount: 'rbac.yaml',
  Role: 'rbac.yaml',
  ClusterRole: 'rbac.yaml',
  RoleBinding: 'rbac.yaml',
  ClusterRoleBinding: 'rbac.yaml',
  ConfigMap: 'config.yaml',
  Service: 'service.yaml',
  Deployment: 'deployment.yaml',
  PodDisruptionBudget: 'deployment.yaml',
  MutatingWebhookConfiguration: 'webhooks.yaml',
  ValidatingWebhookConfiguration: 'webhooks.yaml',
};

/** The CRD is written by hand beside the generated files; the kustomization lists it too. */
export const CRD_FILES = ['crds/zerotrustrule.yaml'];

export const GENERATED_HEADER =
  '# Generated from src/manifests by `UPDATE_GOLDEN=1 node --import tsx --test test/deploy/files.test.ts`.\n' +
  '# Edit the renderer, not this file; `ztgate manifests` prints the same objects with other options.\n';

/** The files of the deploy/ kustomize base for these options (without the CRD files). */
export function deployFiles(options: ManifestOptions): Map<string, string> {
  const byFile = new Map<string, KubeObject[]>();
  for (const object of renderManifests({ ...options, crds: [] })) {
    const file = FILE_OF_KIND[object.kind];
    if (!file) throw new Error(`internal: no deploy/ file for kind ${object.kind}`);
    byFile.set(file, [...(byFile.get(file) ?? []), object]);
  }
  const files = new Map<string, string>();
  for (const [file, objects] of byFile) files.set(file, GENERATED_HEADER + toYaml(objects));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...CRD_FILES, ...byFile.keys()],
  };
  files.set('kustomization.yaml', GENERATED_HEADER + stringify(kustomization));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}
