import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse, stringify } from 'yaml';
import { policyRules, type PolicyRule } from '../../src/calico/rules.js';
import type { CheckReport } from '../../src/offline/report.js';
import { asArray, asObject, asString, isJsonObject, type JsonObject } from '../../src/util/json.js';
import { runCli } from '../support/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const PACK_DIR = join(REPO, 'deploy/policies');
export const EXAMPLE_DIR = join(REPO, 'examples/app');
export const FIXTURES = join(REPO, 'test/policy-pack/fixtures');
/** ZT-NET-001 and ZT-NET-002 both in enforce mode: a single-identity rule is then a denial, not a warning. */
export const ENFORCE_CONFIG = join(FIXTURES, 'enforce-identities.yaml');
export const SECURITY_ADMIN = ['--user', 'alice', '--group', 'ztgate:security-admins'];

export interface ManifestObject {
  /** The file, relative to the repository root. */
  file: string;
  value: JsonObject;
}

function objectsOfText(text: string, file: string): ManifestObject[] {
  return parseAllDocuments(text).map((document, i) => {
    if (document.errors.length > 0) throw new Error(`${file}: document ${i}: ${document.errors[0]!.message}`);
    const value: unknown = document.toJS();
    if (!isJsonObject(value)) throw new Error(`${file}: document ${i} is not an object`);
    return { file, value };
  });
}

/** The objects a kustomization directory lists under `resources`, in that order. */
export function kustomizationObjects(dir: string): ManifestObject[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as JsonObject;
  return asArray(kustomization['resources']).flatMap((resource) => {
    const path = join(dir, String(resource));
    return objectsOfText(readFileSync(path, 'utf8'), path.slice(REPO.length));
  });
}

export function packObjects(): ManifestObject[] {
  return kustomizationObjects(PACK_DIR);
}

export function parseManifests(text: string, file: string): ManifestObject[] {
  return objectsOfText(text, file);
}

function toYaml(objects: readonly JsonObject[]): string {
  return objects.map((object) => stringify(object)).join('---\n');
}

export function nameOf(object: JsonObject): string {
  return asString(asObject(object['metadata'])?.['name']) ?? '';
}

export function isCalicoPolicy(object: JsonObject): boolean {
  return object['apiVersion'] === 'projectcalico.org/v3' && (object['kind'] === 'GlobalNetworkPolicy' || object['kind'] === 'NetworkPolicy');
}

export function specOf(object: JsonObject): JsonObject {
  return asObject(object['spec']) ?? {};
}

/** An Allow rule of a pack policy, named the way ztgate's messages name it. */
export interface AllowRule {
  policy: ManifestObject;
  rule: PolicyRule;
  /** `security.allow-dns egress[1]` */
  label: string;
}

export function allowRules(objects: readonly ManifestObject[]): AllowRule[] {
  return objects
    .filter((object) => isCalicoPolicy(object.value))
    .flatMap((policy) =>
      policyRules(specOf(policy.value))
        .filter((rule) => rule.action === 'Allow')
        .map((rule) => ({ policy, rule, label: `${nameOf(policy.value)} ${rule.direction}[${rule.index}]` })),
    );
}

/** What `check -o json` prints: the report without the validating reviews. */
export interface CheckRun extends CheckReport {
  code: number;
  stderr: string;
}

/** `ztgate check ARGS -o json` through the CLI's own entry point, in-process. */
export async function check(args: string[], stdin = ''): Promise<CheckRun> {
  const run = await runCli(['check', ...args, '-o', 'json'], stdin);
  if (run.code === 2) throw new Error(`ztgate check ${args.join(' ')} refused its input: ${run.stderr}`);
  const report = JSON.parse(run.stdout) as CheckReport;
  return { code: run.code, stderr: run.stderr, ...report };
}

/** The same, for objects given in memory (as `-f -`). */
export function checkObjects(objects: readonly JsonObject[], args: string[]): Promise<CheckRun> {
  return check(['-f', '-', ...args], toYaml(objects));
}

/** One line per object that was not admitted cleanly, for assertion messages. */
export function describeProblems(run: CheckRun): string {
  return run.results
    .filter((result) => result.verdict !== 'admitted' || result.violations.length > 0 || result.warnings.length > 0)
    .map((result) => `${result.file} ${result.kind} ${result.name}: ${result.verdict} ${result.reason ?? ''} ${[...result.violations.map((v) => v.message), ...result.warnings].join(' | ')}`)
    .join('\n');
}

export const DOC_PATH = join(REPO, 'docs/policy-pack.md');

/** The lines of a section of docs/policy-pack.md, from its heading to the next heading of any level. */
export function docSection(heading: string): string[] {
  const lines = readFileSync(DOC_PATH, 'utf8').split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`docs/policy-pack.md has no heading ${JSON.stringify(heading)}`);
  const end = lines.findIndex((line, i) => i > start && /^#{1,6} /.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}
