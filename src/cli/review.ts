import { loadConfig, resolveConfigPath } from '../config/store.js';
import { FAILURE_POLICIES, type FailurePolicy } from '../manifests/names.js';
import { runReview, WEBHOOK_KINDS, type WebhookKind } from '../review/review.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';
import { printConfigNotices } from './config-notices.js';
import { parseDocuments, readInput } from './input.js';
import { loadNamespaceFile } from './namespaces.js';


export const reviewCommand: Command = {
  name: 'review',
  summary: 'Answer one AdmissionReview offline, exactly as the server would',
  help: `Usage: ztgate review [--webhook validate|mutate] [--failure-policy Fail|Ignore] [--config FILE] [--namespaces FILE] [-f FILE|-]

Reads one admission.k8s.io/v1 AdmissionReview (JSON or YAML, from a file or stdin) and prints the
AdmissionReview the server would answer, byte for byte. Exit 0 when it decided (allowed or not),
2 for bad input.

Options:
  --webhook validate|mutate  which endpoint to answer as (default validate)
  --failure-policy Fail|Ignore
                             answer as /validate/fail or /validate/ignore, the paths the validating
                             webhooks of that failurePolicy call (default: /validate, which does not
                             say); it changes only what a review ztgate cannot finish answers
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
      'failure-policy': { type: 'string' },
      config: { type: 'string' },
      namespaces: { type: 'string' },
      file: { type: 'string', short: 'f' },
    });
    const webhook = values.webhook as WebhookKind;
    if (!WEBHOOK_KINDS.includes(webhook)) throw new UsageError(`--webhook: expected validate or mutate, got ${JSON.stringify(values.webhook)}`);
    const failurePolicy = values['failure-policy'] as FailurePolicy | undefined;
    if (failurePolicy !== undefined && !FAILURE_POLICIES.includes(failurePolicy)) {
      throw new UsageError(`--failure-policy: expected Fail or Ignore, got ${JSON.stringify(failurePolicy)}`);
    }
    if (failurePolicy !== undefined && webhook !== 'validate') throw new UsageError('--failure-policy: only validating webhooks have a path per failurePolicy; /mutate always fails open');
    const config = loadConfig(resolveConfigPath(values.config, io.env));
    printConfigNotices('ztgate review', config, io.stderr);
    const namespaces = loadNamespaceFile(values.namespaces);
    const { text, name } = await readInput(values.file, io.stdin);
    // JSON goes through JSON.parse, as on the server, so both see exactly the same values.
    const body: unknown = /^\s*[{[]/.test(text) ? parseJson(text, name) : singleDocument(text, name);
    const outcome = runReview(webhook, body, { config, namespaces, now: new Date(), failurePolicy });
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
