import type { ObjectResult } from './evaluate.js';

export interface CheckedDocument extends ObjectResult {
  file: string;
  /** 0-based document index within the file (items of a List share their document's index). */
  document: number;
  line: number;
}

export interface CheckReport {
  summary: { documents: number; admitted: number; denied: number; skipped: number; mutated: number };
  results: CheckedDocument[];
}

export function summarise(results: CheckedDocument[]): CheckReport {
  const count = (verdict: ObjectResult['verdict']): number => results.filter((r) => r.verdict === verdict).length;
  return {
    summary: {
      documents: results.length,
      admitted: count('admitted'),
      denied: count('denied'),
      skipped: count('skipped'),
      mutated: results.filter((r) => r.mutated).length,
    },
    results,
  };
}

/** JSON output: stable, without the bulky review and patched object unless asked for. */
export function toJson(report: CheckReport, includePatched: boolean): unknown {
  return {
    summary: report.summary,
    results: report.results.map((result) => {
      const { validateReview: _review, patched, patch: _patch, ...rest } = result;
      return includePatched && patched ? { ...rest, patched } : rest;
    }),
  };
}

function objectName(result: CheckedDocument): string {
  const where = result.namespace ? `${result.namespace}/` : '';
  return `${result.kind}${result.name || where ? ` ${where}${result.name || '(generated name)'}` : ''}`;
}

const COLOURS = { red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', dim: '\x1b[2m', reset: '\x1b[0m' };

/** One line per finding, grouped by file; colour only when writing to a terminal. */
export function toText(report: CheckReport, colour: boolean): string {
  const paint = (code: keyof typeof COLOURS, text: string): string => (colour ? `${COLOURS[code]}${text}${COLOURS.reset}` : text);
  const lines: string[] = [];
  let currentFile = '';
  for (const result of report.results) {
    if (result.file !== currentFile) {
      currentFile = result.file;
      lines.push(paint('dim', `${currentFile}`));
    }
    const where = `  ${result.file}:${result.line} [doc ${result.document}] ${objectName(result)}`;
    const mutated = result.mutated ? ' (mutated)' : '';
    if (result.verdict === 'skipped') {
      lines.push(`${where}: ${paint('yellow', 'skipped')}: ${result.reason ?? ''}`);
      continue;
    }
    lines.push(`${where}: ${result.verdict === 'admitted' ? paint('green', 'admitted') : paint('red', 'denied')}${mutated}`);
    if (result.reason) lines.push(`    ${paint('red', 'denied')}: ${result.reason}`);
    for (const violation of result.violations) {
      const state =
        violation.exceptedBy !== undefined ? `excepted by ${violation.exceptedBy}` : violation.mode === 'enforce' ? 'denied' : violation.mode;
      lines.push(`    [${state}] ${violation.message}`);
    }
    for (const warning of result.warnings) lines.push(`    ${paint('yellow', 'warning')}: ${warning}`);
  }
  const { documents, admitted, denied, skipped, mutated } = report.summary;
  lines.push(`${documents} documents: ${admitted} admitted, ${denied} denied, ${skipped} skipped, ${mutated} mutated`);
  return `${lines.join('\n')}\n`;
}
