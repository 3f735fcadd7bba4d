import { LineCounter, stringify } from 'yaml';
import { parseAllDocumentsWithUniqueKeys } from '../util/yaml-unique-keys.js';
import { loadConfig, resolveConfigPath } from '../config/store.js';
import type { Config } from '../config/types.js';
import { ZtgateError } from '../errors.js';
import { injectManifest, ManifestError } from '../inject/manifest.js';
import { AnnotationError } from '../inject/validate.js';
import { isJsonObject } from '../util/json.js';
import { describeYamlError } from '../util/yaml-errors.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';
import { readInput } from './input.js';

const HELP = `Usage: ztgate inject [--config FILE] -f FILE|-

Prints the manifests of FILE (or standard input with -f -) with the Istio sidecar injected, as
ztgate's mutating webhook would inject it and like \`istioctl kube-inject\`: Pods and the Pod templates
of Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs (also
inside a v1 List). Other documents are printed unchanged.

Namespace labels are not consulted (the namespace may not exist yet); a Pod still keeps its own
opt-out (sidecar.istio.io/inject: "false"), and hostNetwork Pods are left alone. A manifest without a
namespace is injected as if in "default". Skipped workloads are reported on standard error.

Options:
  -f, --filename FILE   the manifests to read (YAML or JSON, several documents allowed); - for stdin
  --config FILE         config whose injection: section to use (default: $ZTGATE_CONFIG, else the
                        embedded default)

Exit status: 0 on success, 2 on bad flags, an unreadable file, invalid YAML or an invalid injection
annotation (the message names the file, line and annotation).

Examples:
  ztgate inject -f deployment.yaml | kubectl apply -f -
  kubectl get deploy web -o yaml | ztgate inject --config ztgate.yaml -f -`;

/**
 * The injected manifests as YAML, documents separated by `---`; a line per skipped workload goes to
 * `notices`. Documents left unchanged are printed as written, comments included.
 */
export function injectText(text: string, source: string, config: Config, notices: string[]): string {
  const lineCounter = new LineCounter();
  const documents = parseAllDocumentsWithUniqueKeys(text, { prettyErrors: true, lineCounter });
  const out: string[] = [];
  for (const document of documents) {
    const [error] = document.errors;
    if (error) throw new ZtgateError('INPUT_YAML', describeYamlError(error, text, source).replace(/ at line \d+, column \d+:$/, ''));
    if (document.contents === null) continue;
    const where = `${source}:${lineCounter.linePos(document.contents.range[0]).line}`;
    const object: unknown = document.toJS({ maxAliasCount: 100 });
    if (!isJsonObject(object) || typeof object['apiVersion'] !== 'string' || typeof object['kind'] !== 'string') {
      throw new UsageError(`${where}: not a Kubernetes object (expected a map with apiVersion and kind)`);
    }
    try {
      const outcome = injectManifest(object, config.injection, config.systemNamespaces);
      notices.push(...outcome.skipped.map((line) => `${where}: skipped ${line}`));
      out.push(outcome.object === object ? document.toString({ lineWidth: 0 }).replace(/^---\n/, '') : stringify(outcome.object, { lineWidth: 0 }));
    } catch (failure) {
      if (failure instanceof AnnotationError || failure instanceof ManifestError) throw new UsageError(`${where}: ${failure.message}`);
      throw failure;
    }
  }
  return out.join('---\n');
}

export const injectCommand: Command = {
  name: 'inject',
  summary: 'Print manifests with the Istio sidecar injected (like istioctl kube-inject)',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(args, { filename: { type: 'string', short: 'f' }, config: { type: 'string' } });
    if (values.filename === undefined) throw new UsageError('-f FILE (or -f - for standard input) is required (see ztgate inject --help)');
    const config = loadConfig(resolveConfigPath(values.config, io.env));
    const { text, name } = await readInput(values.filename, io.stdin);
    const notices: string[] = [];
    const output = injectText(text, name, config, notices);
    for (const notice of notices) io.stderr.write(`ztgate inject: ${notice}\n`);
    io.stdout.write(output);
    return 0;
  },
};
