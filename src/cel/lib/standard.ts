import { celEnv, type CelFunc } from '@bufbuild/cel';

/** @bufbuild/cel's standard functions, by signature: `timestamp(string)`. */
const STANDARD = new Map([...celEnv({}).funcs].map((func: CelFunc) => [`${func.name}(${func.arguments.map(String).join(',')})`, func]));

/** One of @bufbuild/cel's standard overloads, to wrap or replace where cel-go answers otherwise. */
export function standard(signature: string): CelFunc {
  const func = STANDARD.get(signature);
  if (!func) throw new Error(`@bufbuild/cel has no ${signature}`);
  return func;
}

// The library does not export its timestamp and duration types; its own conversions declare them.
export const TIMESTAMP = standard('timestamp(string)').result;
export const DURATION = standard('duration(string)').result;

/** A timestamp's or a duration's message, as the library's values hold it. */
export interface SecondsAndNanos {
  seconds: bigint;
  nanos: number;
}
export interface MessageValue {
  message: SecondsAndNanos;
}
