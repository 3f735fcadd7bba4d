import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_NAMESPACE } from '../manifests/names.js';
import { CRD_FILES, DEFAULT_IMAGE, renderManifests, toYaml } from '../manifests/render.js';
import type { KubeObject, ManifestOptions } from '../manifests/types.js';
import { inspectBundle } from '../tls/inspect.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';

const HELP = `Usage: ztgate manifests [--namespace NS] [--image IMAGE] [--ca-file FILE] [--url URL]

Prints the YAML ztgate is deployed with: the same objects as \`kubectl kustomize deploy/\`, with the
options below applied. Apply it with \`ztgate manifests | kubectl apply -f -\`.

Options:
  --namespace NS   namespace to install into (default ${DEFAULT_NAMESPACE}); it is also excluded from review
  --image IMAGE    container image (default ${DEFAULT_IMAGE})
  --ca-file FILE   PEM CA to put in both webhooks' caBundle (e.g. ca.crt from \`ztgate certs\`); without it
                   ztgate fills the caBundle in itself once running
  --url URL        call the webhooks at URL/validate and URL/mutate instead of the in-cluster Service,
                   e.g. https://127.0.0.1:8443 for a ztgate running outside the cluster

Examples:
  ztgate manifests | kubectl apply -f -
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

function readCaFile(file: string, cwd: string): string {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`ztgate manifests: cannot read --ca-file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    inspectBundle(text, `--ca-file ${path}`);
  } catch (error) {
    throw new UsageError(`ztgate manifests: ${(error as Error).message}`);
  }
  return text;
}

function flags(args: string[]) {
  return parseFlags(args, {
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
    const namespace = values.namespace ?? DEFAULT_NAMESPACE;
    if (!DNS_LABEL.test(namespace)) throw new UsageError(`ztgate manifests: --namespace ${JSON.stringify(namespace)} is not a valid namespace name`);
    const image = values.image ?? DEFAULT_IMAGE;
    if (image.trim() === '' || /\s/.test(image)) throw new UsageError(`ztgate manifests: --image ${JSON.stringify(image)} is not an image reference`);
    const options: ManifestOptions = { namespace, image, crds: readCrds() };
    if (values['ca-file'] !== undefined) options.caBundle = readCaFile(values['ca-file'], io.cwd);
    if (values.url !== undefined) options.url = checkUrl(values.url);
    io.stdout.write(toYaml(renderManifests(options)));
    return 0;
  },
};
