import { loadConfig, resolveConfigPath } from '../config/store.js';
import { runReview, WEBHOOK_KINDS, type WebhookKind } from '../review/review.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';
import { parseDocuments, readInput } from './input.js';
import { loadNamespaceFile } from './namespaces.js';


export const reviewCommand: Command = {
  name: 'review',
  summary: 'Answer one AdmissionReview offline, exactly as the server would',
  help: `Usage: ztgate review [--webhook validate|mutate] [--config FILE] [--namespaces FILE] [-f FILE|-]

Reads one admission.k8s.io/v1 AdmissionReview (JSON or YAML, from a file or stdin) and prints the
AdmissionReview the server would answer, byte for byte. Exit 0 when it decided (allowed or not),
2 for bad input.

Options:
  --webhook validate|mutate  which endpoint to answer as (default validate)
  --config FILE              config file (default: $ZTGATE_CONFIG, else the embedded default)
  --namespaces FILE          Namespace manifests giving namespace labels (default: none known)
  -f, --file FILE            the AdmissionReview; - or absent reads stdin

Examples:
  ztgate review -f review.json
  ztgate review --webhook mutate --namespaces namespaces.yaml -f review.yaml
  kubectl ... | ztgate review -`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      webhook: { type: 'string', default: 'validate' },
      config: { type: 'string' },
      namespaces: { type: 'string' },
      file: { type: 'string', short: 'f' },
    });
    const webhook = values.webhook as WebhookKind;
    if (!WEBHOOK_KINDS.includes(webhook)) throw new UsageError(`--webhook: expected validate or mutate, got ${JSON.stringify(values.webhook)}`);
    const config = loadConfig(resolveConfigPath(values.config, io.env));
    const namespaces = loadNamespaceFile(values.namespaces);
    const { text, name } = await readInput(values.file, io.stdin);
    // JSON goes through JSON.parse, as on the server, so both see exactly the same values.
    const body: unknown = /^\s*[{[]/.test(text) ? parseJson(text, name) : singleDocument(text, name);
    const outcome = runReview(webhook, body, { config, namespaces, now: new Date() });
    if (!outcome.ok) {
      io.stderr.write(`ztgate review: ${outcome.body.code}: ${outcome.body.message}\n`);
      return 2;
    }
    const json = JSON.stringify(outcome.body);
    io.stdout.write((io.stdout as NodeJS.WriteStream).isTTY ? `${json}\n` : json);
    return 0;
  },
};

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${name}: the AdmissionReview is not valid JSON: ${(error as Error).message}`);
  }
}

function singleDocument(text: string, name: string): unknown {
  const documents = parseDocuments(text, name);
  if (documents.length !== 1) throw new UsageError(`${name}: expected exactly one AdmissionReview document, found ${documents.length}`);
  return documents[0]!.value;
}
