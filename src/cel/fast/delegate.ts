import { isCelError, parse, plan, type CelResult, type CelValue } from '@bufbuild/cel';
import { RULE_ENV } from '../env.js';

/**
 * Field access on protobuf messages (what timestamp() and duration() return) is left to the library
 * itself: a one-field program per name, planned on first use, so reflection stays the library's.
 * JSON never produces such values, so this is the rare path.
 */

const VALUE = '__ztgate_value';

type Program = (bindings: Record<string, unknown>) => CelResult;

const programs = new Map<string, Program>();

function programFor(field: string, testOnly: boolean): Program {
  const key = `${testOnly ? 'has' : 'get'}:${field}`;
  let program = programs.get(key);
  if (!program) {
    const parsed = parse(testOnly ? `has(${VALUE}.field)` : `${VALUE}.field`);
    let select = parsed.expr!;
    if (select.exprKind.case === 'callExpr') select = select.exprKind.value.args[0]!;
    if (select.exprKind.case !== 'selectExpr') throw new Error('delegate: unexpected parse');
    select.exprKind.value.field = field;
    program = plan(RULE_ENV, parsed) as Program;
    programs.set(key, program);
  }
  return program;
}

/** The library's error for an unknown field becomes "absent"; any other error was an exception there. */
function run(field: string, testOnly: boolean, value: object): CelResult | undefined {
  const result = programFor(field, testOnly)({ [VALUE]: value });
  if (!isCelError(result)) return result;
  if (result.message === `field not found: ${field}`) return undefined;
  throw new Error(result.message);
}

export function delegatedSelect(value: object, field: string): CelValue | undefined {
  return run(field, false, value) as CelValue | undefined;
}

export function delegatedHas(value: object, field: string): boolean | undefined {
  return run(field, true, value) as boolean | undefined;
}
