import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfigText } from '../config/parse.js';
import { ConfigError } from '../config/reader.js';
import type { Config } from '../config/types.js';
import { DEFAULT_NAMESPACE } from '../manifests/names.js';
import { CRD_FILES, DEFAULT_IMAGE, renderManifests, toYaml } from '../manifests/render.js';
import { scopeOf } from '../manifests/scope.js';
import type { KubeObject, ManifestOptions } from '../manifests/types.js';
import { MUTATING_TIMEOUT_SECONDS, VALIDATING_TIMEOUT_SECONDS } from '../manifests/webhooks.js';
import { inspectBundle } from '../tls/inspect.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';

const HELP = `Usage: ztgate manifests [--config FILE] [--namespace NS] [--image IMAGE] [--ca-file FILE] [--url URL]

Prints the YAML ztgate is deployed with: the same objects as \`kubectl kustomize deploy/\`, with the
options below applied. Apply it with \`ztgate manifests | kubectl apply -f -\`.

Options:
  --config FILE    the ztgate config to deploy: it goes into the ConfigMap, and the webhooks send ztgate
                   only what it evaluates, with what it protects on fail-closed webhooks and the namespaces
                   it leaves unprotected (protection.excludeNamespaces, protection.namespaceSelector) on
                   fail-open ones, except for Calico policy, whose tier ownership is guarded everywhere
  --namespace NS   namespace to install into (default: the config's ztgateNamespace, else ${DEFAULT_NAMESPACE});
                   it is also excluded from review
  --image IMAGE    container image (default ${DEFAULT_IMAGE})
  --ca-file FILE   PEM CA to put in both webhooks' caBundle (e.g. ca.crt from \`ztgate certs\`); without it
                   ztgate fills the caBundle in itself once running
  --url URL        call the webhooks at URL/validate and URL/mutate instead of the in-cluster Service,
                   e.g. https://127.0.0.1:8443 for a ztgate running outside the cluster

Examples:
  ztgate manifests | kubectl apply -f -
  ztgate manifests --config config.yaml --image registry.example.com/ztgate:0.1.0 | kubectl apply -f -
  ztgate manifests --ca-file certs/ca.crt --url https://127.0.0.1:8443
`;

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** deploy/ ships in the package beside dist/ and src/, so one relative path works from both. */
function packageFile(relative: string): URL {
  return new URL(`../../deploy/${relative}`, import.meta.url);
}

function readCrds(): KubeObject[] {
  return CRD_FILES.flatMap((file) => {
    const url = packageFile(file);
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${url.pathname}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return parseAllDocuments(text)
      .map((document) => {
        if (document.errors.length > 0) throw new Error(`${url.pathname}: invalid YAML: ${document.errors[0]?.message}`);
        return document.toJS() as KubeObject | null;
      })
      .filter((object): object is KubeObject => object !== null);
  });
}

function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`ztgate manifests: --url ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UsageError('ztgate manifests: --url must start with https:// (the API server only calls webhooks over TLS)');
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError('ztgate manifests: --url may not carry a user, a query or a fragment (the API server refuses them)');
  }
  return text;
}

/** The file a flag names, relative to the working directory, with its absolute path. */
function readFlagFile(flag: string, file: string, cwd: string): { path: string; text: string } {
  const path = resolve(cwd, file);
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    throw new UsageError(`ztgate manifests: cannot read --${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function readCaFile(file: string, cwd: string): string {
  const { path, text } = readFlagFile('ca-file', file, cwd);
  try {
    inspectBundle(text, `--ca-file ${path}`);
  } catch (error) {
    throw new UsageError(`ztgate manifests: ${(error as Error).message}`);
  }
  return text;
}

interface LoadedConfig {
  path: string;
  text: string;
  config: Config;
}

function readConfig(file: string, cwd: string): LoadedConfig {
  const { path, text } = readFlagFile('config', file, cwd);
  try {
    return { path, text, config: parseConfigText(text, path) };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`ztgate manifests: --config ${path}: ${error.message}`);
    throw error;
  }
}

/** A config that cannot work with these webhooks is refused here rather than found out in the cluster. */
function checkConfig({ path, config }: LoadedConfig, namespace: string): void {
  if (config.ztgateNamespace !== namespace) {
    throw new UsageError(
      `ztgate manifests: --namespace ${namespace}, but ${path} has ztgateNamespace ${config.ztgateNamespace} (its default when unset), ` +
        `so ztgate would review its own namespace; set ztgateNamespace: ${namespace} in the config`,
    );
  }
  for (const [field, ms, webhook, seconds] of [
    ['validate', config.deadlines.validateMs, 'validating', VALIDATING_TIMEOUT_SECONDS],
    ['mutate', config.deadlines.mutateMs, 'mutating', MUTATING_TIMEOUT_SECONDS],
  ] as const) {
    if (ms >= seconds * 1000) {
      throw new UsageError(
        `ztgate manifests: ${path}: deadlines.${field} (${ms} ms) must be below the ${webhook} webhook's timeoutSeconds (${seconds} s), ` +
          'or the API server gives up before ztgate gives its fail-safe answer',
      );
    }
  }
}

function flags(args: string[]) {
  return parseFlags(args, {
    config: { type: 'string' },
    namespace: { type: 'string' },
    image: { type: 'string' },
    'ca-file': { type: 'string' },
    url: { type: 'string' },
  }).values;
}

export const manifestsCommand: Command = {
  name: 'manifests',
  summary: 'Print the Kubernetes manifests (same objects as `kubectl kustomize deploy/`)',
  help: HELP,
  async run(args, io) {
    const values = flags(args);
    const loaded = values.config === undefined ? undefined : readConfig(values.config, io.cwd);
    const namespace = values.namespace ?? loaded?.config.ztgateNamespace ?? DEFAULT_NAMESPACE;
    if (!DNS_LABEL.test(namespace)) throw new UsageError(`ztgate manifests: --namespace ${JSON.stringify(namespace)} is not a valid namespace name`);
    const image = values.image ?? DEFAULT_IMAGE;
    if (image.trim() === '' || /\s/.test(image)) throw new UsageError(`ztgate manifests: --image ${JSON.stringify(image)} is not an image reference`);
    const options: ManifestOptions = { namespace, image, crds: readCrds() };
    if (loaded) {
      checkConfig(loaded, namespace);
      options.scope = scopeOf(loaded.config);
      options.configText = loaded.text;
    }
    if (values['ca-file'] !== undefined) options.caBundle = readCaFile(values['ca-file'], io.cwd);
    if (values.url !== undefined) options.url = checkUrl(values.url);
    io.stdout.write(toYaml(renderManifests(options)));
    return 0;
  },
};
