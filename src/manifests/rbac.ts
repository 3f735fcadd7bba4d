import { NAMES, RULE_GROUP, RULE_PLURAL } from './names.js';
import type { KubeObject, ManifestOptions } from './types.js';

const LABELS = { 'app.kubernetes.io/name': NAMES.app };
const READ = ['get', 'list', 'watch'];

/**
 * Least privilege: ztgate reads namespaces (their labels scope the policy) and its own rules, and may
 * only get and update its own webhook configurations and Secrets, by name. Kubernetes cannot restrict
 * `create` by name (the name is not known when create is authorised), so creating Secrets is granted
 * in ztgate's namespace only.
 */
export function rbacObjects(options: ManifestOptions): KubeObject[] {
  const subject = { kind: 'ServiceAccount', name: NAMES.serviceAccount, namespace: options.namespace };
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: NAMES.serviceAccount, namespace: options.namespace, labels: LABELS },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAMES.app, labels: LABELS },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: READ },
        { apiGroups: [RULE_GROUP], resources: [RULE_PLURAL], verbs: READ },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
          resourceNames: [NAMES.webhookConfiguration],
          verbs: ['get', 'update'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAMES.app, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAMES.app },
      subjects: [subject],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: NAMES.app, namespace: options.namespace, labels: LABELS },
      rules: [
        { apiGroups: [''], resources: ['secrets'], resourceNames: [NAMES.caSecret, NAMES.servingSecret], verbs: ['get', 'update'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: NAMES.app, namespace: options.namespace, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAMES.app },
      subjects: [subject],
    },
  ];
}
