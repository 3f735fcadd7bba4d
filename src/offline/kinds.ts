/**
 * The resources ztgate can build an AdmissionReview for offline: what the API server's discovery would
 * say about each kind (its resource name and whether it is namespaced). Keyed by `group/kind`.
 */
interface ResourceInfo {
  resource: string;
  namespaced: boolean;
}

const KINDS: Record<string, ResourceInfo> = {
  '/Pod': { resource: 'pods', namespaced: true },
  '/Namespace': { resource: 'namespaces', namespaced: false },
  '/Service': { resource: 'services', namespaced: true },
  '/ServiceAccount': { resource: 'serviceaccounts', namespaced: true },
  '/ConfigMap': { resource: 'configmaps', namespaced: true },
  '/Secret': { resource: 'secrets', namespaced: true },
  '/ReplicationController': { resource: 'replicationcontrollers', namespaced: true },
  'apps/Deployment': { resource: 'deployments', namespaced: true },
  'apps/StatefulSet': { resource: 'statefulsets', namespaced: true },
  'apps/DaemonSet': { resource: 'daemonsets', namespaced: true },
  'apps/ReplicaSet': { resource: 'replicasets', namespaced: true },
  'batch/Job': { resource: 'jobs', namespaced: true },
  'batch/CronJob': { resource: 'cronjobs', namespaced: true },
  'networking.k8s.io/NetworkPolicy': { resource: 'networkpolicies', namespaced: true },
  'networking.k8s.io/Ingress': { resource: 'ingresses', namespaced: true },
  'rbac.authorization.k8s.io/Role': { resource: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/RoleBinding': { resource: 'rolebindings', namespaced: true },
  'rbac.authorization.k8s.io/ClusterRole': { resource: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { resource: 'clusterrolebindings', namespaced: false },
  'policy/PodDisruptionBudget': { resource: 'poddisruptionbudgets', namespaced: true },
  'projectcalico.org/NetworkPolicy': { resource: 'networkpolicies', namespaced: true },
  'projectcalico.org/GlobalNetworkPolicy': { resource: 'globalnetworkpolicies', namespaced: false },
  'projectcalico.org/StagedNetworkPolicy': { resource: 'stagednetworkpolicies', namespaced: true },
  'projectcalico.org/StagedGlobalNetworkPolicy': { resource: 'stagedglobalnetworkpolicies', namespaced: false },
  'projectcalico.org/Tier': { resource: 'tiers', namespaced: false },
  'projectcalico.org/GlobalNetworkSet': { resource: 'globalnetworksets', namespaced: false },
  'projectcalico.org/NetworkSet': { resource: 'networksets', namespaced: true },
  'crd.projectcalico.org/NetworkPolicy': { resource: 'networkpolicies', namespaced: true },
  'crd.projectcalico.org/GlobalNetworkPolicy': { resource: 'globalnetworkpolicies', namespaced: false },
  'crd.projectcalico.org/StagedNetworkPolicy': { resource: 'stagednetworkpolicies', namespaced: true },
  'crd.projectcalico.org/StagedGlobalNetworkPolicy': { resource: 'stagedglobalnetworkpolicies', namespaced: false },
  'crd.projectcalico.org/Tier': { resource: 'tiers', namespaced: false },
  'security.istio.io/PeerAuthentication': { resource: 'peerauthentications', namespaced: true },
  'security.istio.io/AuthorizationPolicy': { resource: 'authorizationpolicies', namespaced: true },
  'security.istio.io/RequestAuthentication': { resource: 'requestauthentications', namespaced: true },
  'networking.istio.io/DestinationRule': { resource: 'destinationrules', namespaced: true },
  'networking.istio.io/VirtualService': { resource: 'virtualservices', namespaced: true },
  'networking.istio.io/Gateway': { resource: 'gateways', namespaced: true },
  'networking.istio.io/ServiceEntry': { resource: 'serviceentries', namespaced: true },
  'networking.istio.io/Sidecar': { resource: 'sidecars', namespaced: true },
  'networking.istio.io/EnvoyFilter': { resource: 'envoyfilters', namespaced: true },
  'extensions.istio.io/WasmPlugin': { resource: 'wasmplugins', namespaced: true },
  'ztgate.io/ZeroTrustRule': { resource: 'zerotrustrules', namespaced: false },
  'apiextensions.k8s.io/CustomResourceDefinition': { resource: 'customresourcedefinitions', namespaced: false },
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': { resource: 'validatingwebhookconfigurations', namespaced: false },
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': { resource: 'mutatingwebhookconfigurations', namespaced: false },
  'scheduling.k8s.io/PriorityClass': { resource: 'priorityclasses', namespaced: false },
};

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function resourceInfo(apiVersion: string, kind: string): ResourceInfo | undefined {
  return KINDS[`${splitApiVersion(apiVersion).group}/${kind}`];
}

/** Every kind ztgate knows offline, with its group. */
export function knownKinds(): ({ group: string; kind: string } & ResourceInfo)[] {
  return Object.entries(KINDS).map(([key, info]) => {
    const slash = key.indexOf('/');
    return { group: key.slice(0, slash), kind: key.slice(slash + 1), ...info };
  });
}
