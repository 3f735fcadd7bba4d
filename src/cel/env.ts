import { celEnv, celFunc, CelScalar, mapType, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { charge } from './budget.js';
import { ENTER_FUNCTION, enterFunction } from './context.js';
import { conversionFunctions } from './lib/conversions.js';
import { stringFormatFunctions } from './lib/string-format.js';
import { durationFunctions } from './lib/durations.js';
import { timestampOffsetFunctions } from './lib/timestamp-offsets.js';
import { formatFunctions } from './lib/format.js';
import { ipFunctions, ipToString } from './lib/ip.js';
import { listFunctions } from './lib/lists.js';
import { listExtensionFunctions } from './lib/lists-ext.js';
import { mapInsertFunctions } from './lib/map-insert.js';
import { optionalFunctions } from './lib/optional.js';
import { orderingFunctions } from './lib/ordering.js';
import { quantityFunctions } from './lib/quantity.js';
import { cachingRe2, regexFunctions } from './lib/regex.js';
import { semverFunctions } from './lib/semver.js';
import { stringOrderFunctions } from './lib/string-order.js';
import { urlFunctions } from './lib/url.js';

/**
 * Wrapped around every comprehension's loop condition at compile time: the library has no evaluation
 * hook, and every loop, macro-made or nested, passes through its condition once per iteration.
 */
export const TICK_FUNCTION = '@ztgate_tick';

const { DYN, STRING } = CelScalar;

/** Exported so the compiled form (fast/planner.ts) can charge the same step without a dispatch. */
export const tick = celFunc(TICK_FUNCTION, [DYN], DYN, (condition) => {
  charge(1);
  return condition;
});

const opaqueToString = celFunc('string', [mapType(DYN, DYN)], STRING, (value) => {
  const text = ipToString(value);
  if (text === undefined) throw new Error("found no matching overload for 'string' applied to '(map)'");
  return text;
});

/** One environment for every rule: CEL's standard library, the strings and lists extensions and Kubernetes' libraries. */
export const RULE_ENV: CelEnv = celEnv({
  re2: cachingRe2,
  funcs: [
    ...strings,
    ...stringOrderFunctions,
    ...conversionFunctions,
    ...stringFormatFunctions,
    ...durationFunctions,
    ...timestampOffsetFunctions,
    ...listFunctions,
    ...listExtensionFunctions,
    ...mapInsertFunctions,
    ...regexFunctions,
    ...urlFunctions,
    ...quantityFunctions,
    ...semverFunctions,
    ...orderingFunctions,
    ...ipFunctions,
    ...optionalFunctions,
    ...formatFunctions,
    opaqueToString,
    tick,
    enterFunction,
  ],
});

/** Names the planner handles itself rather than through the function table. */
const PLANNER_OPERATORS = ['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '__not_strictly_false__'];

/** Every function or operator name an expression may call (the tick and the context entry are ours, not the user's). */
export const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set(
  [...[...RULE_ENV.funcs].map((func) => func.name), ...PLANNER_OPERATORS].filter((name) => name !== TICK_FUNCTION && name !== ENTER_FUNCTION),
);
