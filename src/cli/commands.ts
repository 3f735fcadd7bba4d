import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  /** Loaded on use, so `ztgate review` never pays for the server's and Kubernetes client's imports. */
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'Serve the admission webhook over HTTPS', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'review', summary: 'Answer one AdmissionReview offline, exactly as the server would', load: async () => (await import('./review.js')).reviewCommand },
  { name: 'check', summary: 'Check manifests offline: would the cluster admit them?', load: async () => (await import('./check.js')).checkCommand },
  { name: 'test', summary: 'Run declarative tests of your config and rules (ztgate-test.yaml)', load: async () => (await import('./test.js')).testCommand },
  { name: 'explain', summary: 'Print the documentation of an invariant', load: async () => (await import('./explain.js')).explainCommand },
  { name: 'inject', summary: 'Print manifests with the Istio sidecar injected (like istioctl kube-inject)', load: async () => (await import('./inject.js')).injectCommand },
  { name: 'certs', summary: 'Write a CA and a serving certificate (ca.crt, tls.crt, tls.key)', load: async () => (await import('./certs.js')).certsCommand },
  { name: 'manifests', summary: 'Print the Kubernetes manifests (same objects as kubectl kustomize deploy/)', load: async () => (await import('./manifests.js')).manifestsCommand },
  { name: 'version', summary: 'Print the version of ztgate and of the node it runs on', load: async () => (await import('./version.js')).versionCommand },
];
