/**
 * Conformance with Calico's own selector and validator test tables, read at run time from
 * ../shared/reference (beside the checkout in CI; absent in a user's clone, where this test skips).
 * The tables are never copied into the repository.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileSelector } from '../../src/calico/selector/index.js';
import {
  checkHttpMatch,
  checkIcmp,
  Issues,
  parseProtocol,
  validateCalicoResource,
  validateEntityRule,
  validateRule,
  type CalicoKind,
} from '../../src/calico/validate/index.js';

const REFERENCE = fileURLToPath(new URL('../../../shared/reference/calico/', import.meta.url));
const SKIP = existsSync(REFERENCE) ? false : `Calico reference tables not found at ${REFERENCE}; conformance is checked in CI only`;

/**
 * Cases where ztgate deliberately answers differently from Calico, keyed by selector or description,
 * with the reason. ztgate's other deliberate differences (a 4096-character selector limit, parentheses
 * nested at most 100 deep, a policy name prefix that contradicts spec.tier) touch none of these cases.
 */
const DEVIATIONS: Record<string, string> = {};

interface SelectorCase {
  selector: string;
  valid: boolean;
  canonical?: string;
  matches?: { labels: Record<string, string>; expected: boolean }[];
}

interface ValidationCase {
  description: string;
  kind: string;
  metadata?: Record<string, unknown>;
  object: unknown;
  valid: boolean;
}

function load<T>(file: string): T[] {
  return JSON.parse(readFileSync(`${REFERENCE}${file}`, 'utf8')) as T[];
}

/** Why ztgate disagrees with the case, or undefined when it agrees. */
function selectorDisagreement(entry: SelectorCase): string | undefined {
  const result = compileSelector(entry.selector);
  if (result.ok !== entry.valid) return result.ok ? `accepted (${result.selector.canonical})` : `rejected: ${result.error.message}`;
  if (!result.ok) return undefined;
  if (entry.canonical !== undefined && result.selector.canonical !== entry.canonical) return `printed ${result.selector.canonical}`;
  const wrong = (entry.matches ?? []).find((match) => result.selector.matches(match.labels) !== match.expected);
  return wrong ? `evaluated ${JSON.stringify(wrong.labels)} wrongly` : undefined;
}

/** Bare sub-objects are validated the way Calico's Go validator checks them, without a policy around them. */
function validationIssues(entry: ValidationCase): string[] {
  const issues = new Issues();
  switch (entry.kind) {
    case 'Rule':
      validateRule(entry.object, 'rule', issues);
      break;
    case 'EntityRule':
      validateEntityRule(entry.object, 'entity', issues);
      break;
    case 'ICMPFields':
      checkIcmp(entry.object, 'icmp', issues);
      break;
    case 'HTTPMatch':
      checkHttpMatch(entry.object, 'http', issues);
      break;
    case 'Protocol': {
      const protocol = parseProtocol(entry.object);
      if (typeof protocol === 'string') issues.add('protocol', protocol);
      break;
    }
    default:
      issues.list.push(...validateCalicoResource(entry.kind as CalicoKind, entry.metadata ?? {}, entry.object));
  }
  return issues.list.map((issue) => `${issue.path}: ${issue.message}`);
}

function validationDisagreement(entry: ValidationCase): string | undefined {
  const issues = validationIssues(entry);
  if ((issues.length === 0) === entry.valid) return undefined;
  return entry.valid ? `rejected: ${issues.join('; ')}` : 'accepted';
}

function checkTable<T>(name: string, cases: T[], keyOf: (entry: T) => string, disagreement: (entry: T) => string | undefined, report: (line: string) => void): void {
  const failures: string[] = [];
  const deviating: string[] = [];
  for (const entry of cases) {
    const key = keyOf(entry);
    const problem = disagreement(entry);
    if (problem === undefined) continue;
    if (DEVIATIONS[key]) deviating.push(key);
    else failures.push(`${JSON.stringify(key).slice(0, 80)}: ${problem}`);
  }
  const agreeing = cases.length - failures.length - deviating.length;
  report(`${name}: ${agreeing}/${cases.length} agree (${((100 * agreeing) / cases.length).toFixed(1)}%), ${deviating.length} deliberate deviations`);
  assert.deepEqual(failures, [], `${failures.length} cases disagree with Calico`);
}

describe('Calico conformance', { skip: SKIP }, () => {
  test('selectors.json: validity, canonical form and matching', (t) => {
    const cases = load<SelectorCase>('selectors.json');
    assert.ok(cases.length > 0);
    checkTable('selectors', cases, (entry) => entry.selector, selectorDisagreement, (line) => t.diagnostic(line));
  });

  test('validation.json: policies, tiers and their parts', (t) => {
    const cases = load<ValidationCase>('validation.json');
    assert.ok(cases.length > 0);
    checkTable('validation', cases, (entry) => `${entry.kind}: ${entry.description}`, validationDisagreement, (line) => t.diagnostic(line));
  });

  test('every listed deviation still deviates', () => {
    const selectors = load<SelectorCase>('selectors.json');
    const validations = load<ValidationCase>('validation.json');
    for (const key of Object.keys(DEVIATIONS)) {
      const selector = selectors.find((entry) => entry.selector === key);
      const validation = validations.find((entry) => `${entry.kind}: ${entry.description}` === key);
      const problem = selector ? selectorDisagreement(selector) : validation ? validationDisagreement(validation) : 'no such case';
      assert.ok(problem !== undefined && problem !== 'no such case', `deviation ${key} is stale`);
    }
  });
});
