/** A Kubernetes object as plain JSON data, the way YAML parses it. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: unknown } } & Record<
  string,
  unknown
>;

export interface ManifestOptions {
  namespace: string;
  image: string;
  /** PEM CA bundle for clientConfig.caBundle; absent means ztgate fills it in at run time. */
  caBundle?: string;
  /** Base https URL; webhooks then call `<url>/validate` and `<url>/mutate` instead of the Service. */
  url?: string;
  /** Custom resource definitions to ship alongside (deploy/crds). */
  crds?: KubeObject[];
}
