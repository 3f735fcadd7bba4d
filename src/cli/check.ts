import { isRuleObject, withRuleObjects } from '../cel/rule-objects.js';
import { loadConfig, resolveConfigPath } from '../config/store.js';
import { ZtgateError } from '../errors.js';
import { evaluateObject } from '../offline/evaluate.js';
import { isNamespaceObject, manifestObjects, type ManifestObject } from '../offline/documents.js';
import { summarise, toJson, toText, type CheckedDocument } from '../offline/report.js';
import { toSarif } from '../offline/sarif.js';
import { isJsonObject } from '../util/json.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';
import { printConfigNotices } from './config-notices.js';
import { expandPaths, readManifest } from './files.js';
import { parseDocuments } from './input.js';
import { loadNamespaceFile } from './namespaces.js';
import { ztgateVersion } from './version.js';

const FORMATS = ['text', 'json', 'sarif'] as const;
const PROGRESS_THRESHOLD = 200;

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check manifests offline: would the cluster admit them?',
  help: `Usage: ztgate check -f PATH [-f PATH]... [options]

Builds the AdmissionReview the API server would send for a CREATE of every object (files, directories
recursively, - for stdin; multi-document YAML, JSON, List kinds), runs the mutating and then the
validating path of the same core the server uses, and reports per object: admitted or denied, each
violation (id, field path, message), warnings, and whether it would be mutated. ZeroTrustRules in the
input apply to every object, as they would in the cluster, and are checked themselves (ZT-RULE-001):
one that does not compile is denied and applies to nothing (with --no-mutate it is taken as stored in
the cluster, and fails by its failurePolicy wherever it applies).

To audit what is already in a cluster, feed it \`kubectl get -o yaml\` output with --no-mutate (objects
are judged as stored) and --namespaces with the cluster's Namespaces (docs/operations.md, "Auditing
what is already in the cluster").

Exit status: 0 everything admitted, 1 anything denied, 2 bad input or config.

Options:
  -f, --file PATH       a file, a directory (recursive) or - for stdin; repeatable
  --config FILE         config file (default: $ZTGATE_CONFIG, else the embedded default)
  --namespaces FILE     Namespace manifests for namespace labels (Namespaces in the input count too)
  --namespace NS        namespace for namespaced objects that name none (default: default)
  --user NAME           userInfo.username of the simulated request (default: ztgate-check)
  --group NAME          userInfo.groups entry; repeatable (system:authenticated is always added)
  -o, --output FORMAT   text (default), json or sarif
  --show-patched        with -o json: include each mutated object
  --no-mutate           judge objects as they are, without the mutating step (objects read from a cluster)

Examples:
  ztgate check -f deploy/app/
  ztgate check -f policies/ --user alice --group ztgate:security-admins -o sarif > ztgate.sarif
  helm template chart | ztgate check -f - --namespace shop
  kubectl get pods,deployments -A -o yaml | ztgate check -f - --no-mutate --namespaces namespaces.yaml`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      file: { type: 'string', short: 'f', multiple: true },
      config: { type: 'string' },
      namespaces: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      user: { type: 'string', default: 'ztgate-check' },
      group: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o', default: 'text' },
      'show-patched': { type: 'boolean', default: false },
      'no-mutate': { type: 'boolean', default: false },
    });
    const format = values.output as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--output: expected one of ${FORMATS.join(', ')}, got ${JSON.stringify(values.output)}`);
    if (!values.file || values.file.length === 0) throw new UsageError('give at least one -f PATH (a file, a directory or - for stdin)');
    const fileConfig = loadConfig(resolveConfigPath(values.config, io.env));
    printConfigNotices('ztgate check', fileConfig, io.stderr);
    const namespaces = loadNamespaceFile(values.namespaces);

    const objects: ManifestObject[] = [];
    for (const file of expandPaths(values.file)) {
      const name = file === '-' ? '<stdin>' : file;
      objects.push(...manifestObjects(name, parseDocuments(await readManifest(file, io.stdin), name)));
    }
    for (const object of objects) {
      if (!isJsonObject(object.value)) {
        throw new ZtgateError('INPUT_YAML', `${object.file}:${object.line}: document ${object.document} is not a map: a Kubernetes object needs apiVersion and kind`);
      }
      if (isNamespaceObject(object.value)) namespaces.add(object.value);
    }
    // As in the cluster: each ZeroTrustRule is judged itself (ZT-RULE-001) and judges the other objects.
    // Read back from a cluster (--no-mutate), a broken one is stored there and fails where it applies.
    const { config } = withRuleObjects(fileConfig, objects.map((object) => object.value).filter(isRuleObject), values['no-mutate']);

    const groups = [...new Set([...(values.group ?? []), 'system:authenticated'])];
    const progress = objects.length > PROGRESS_THRESHOLD && (io.stderr as NodeJS.WriteStream).isTTY === true;
    const now = new Date();
    const results: CheckedDocument[] = objects.map((object, index) => {
      if (progress && index % 100 === 0) io.stderr.write(`\rchecking ${index}/${objects.length}`);
      const result = evaluateObject(
        {
          object: object.value as Record<string, never>,
          operation: 'CREATE',
          username: values.user,
          groups,
          defaultNamespace: values.namespace,
          uid: `ztgate-check-${index}`,
        },
        { config, namespaces, now },
        { mutate: !values['no-mutate'] },
      );
      return { file: object.file, document: object.document, line: object.line, ...result };
    });
    if (progress) io.stderr.write(`\rchecked ${objects.length}/${objects.length}\n`);

    const report = summarise(results);
    if (format === 'json') io.stdout.write(`${JSON.stringify(toJson(report, values['show-patched']), null, 2)}\n`);
    else if (format === 'sarif') io.stdout.write(`${JSON.stringify(toSarif(report, ztgateVersion()), null, 2)}\n`);
    else io.stdout.write(toText(report, (io.stdout as NodeJS.WriteStream).isTTY === true && !io.env['NO_COLOR']));
    return report.summary.denied > 0 ? 1 : 0;
  },
};
