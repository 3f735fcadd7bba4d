import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_NAMESPACE, NAMES } from '../../manifests/names.js';
import { serviceHosts } from '../../tls/hosts.js';
import { webhookConfigurationClient } from '../webhook-config.js';
import { CertificateManager, type CertificateManagerOptions } from './manager.js';
import { secretClient } from './secret-client.js';

export interface InClusterOptions
  extends Partial<Omit<CertificateManagerOptions, 'secrets' | 'webhooks' | 'replica' | 'hosts'>> {
  namespace: string;
  replica: string;
  service?: string;
  webhookConfigurationName?: string;
  /** SANs besides the Service names, e.g. 127.0.0.1 when the API server calls a URL. */
  extraHosts?: string[];
  /** Defaults to the pod's service account (KubeConfig.loadFromCluster). */
  kubeConfig?: KubeConfig;
}

/** Namespace and replica name from the downward-API variables the Deployment sets. */
export function inClusterIdentity(env: NodeJS.ProcessEnv): { namespace: string; replica: string } {
  const replica = env['POD_NAME'];
  if (!replica) throw new Error('POD_NAME is not set: the Deployment passes it from metadata.name (downward API)');
  return { namespace: env['POD_NAMESPACE'] || DEFAULT_NAMESPACE, replica };
}

/** The certificate manager wired to the cluster ztgate runs in. */
export function inClusterCertificateManager(options: InClusterOptions): CertificateManager {
  const { namespace, replica, service, webhookConfigurationName, extraHosts, kubeConfig: given, ...rest } = options;
  const kubeConfig = given ?? new KubeConfig();
  if (!given) kubeConfig.loadFromCluster();
  const configuration = webhookConfigurationName ?? NAMES.webhookConfiguration;
  return new CertificateManager({
    caSecretName: NAMES.caSecret,
    servingSecretName: NAMES.servingSecret,
    webhookRefs: [
      { kind: 'validating', name: configuration },
      { kind: 'mutating', name: configuration },
    ],
    ...rest,
    replica,
    secrets: secretClient(kubeConfig.makeApiClient(CoreV1Api), namespace),
    webhooks: webhookConfigurationClient(kubeConfig.makeApiClient(AdmissionregistrationV1Api)),
    hosts: [...serviceHosts(service ?? NAMES.service, namespace), ...(extraHosts ?? [])],
  });
}
