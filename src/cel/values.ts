import { celList, celMap, isCelError, isCelList, isCelMap, isCelUint, type CelInput, type CelValue } from '@bufbuild/cel';

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

/**
 * JSON arrives with every number as a double; Kubernetes gives schema integers CEL int semantics, so
 * `object.spec.replicas + 1` works. With no schema here, every integral number within int64 becomes an int.
 */
export function toCelValue(value: unknown): CelInput {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX ? BigInt(value) : value;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return celList(value.map(toCelValue));
      if (value instanceof Date) return value.toISOString();
      return celMap(new Map(Object.entries(value).map(([key, child]) => [key, toCelValue(child)])));
    default:
      return null;
  }
}

/** A CEL value as a short, readable string for messages and audit annotations. */
export function describeValue(value: CelValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (isCelError(value)) return value.message;
  if (isCelUint(value)) return `${value.value}u`;
  if (isCelList(value)) return `[${[...value].map(describeValue).join(', ')}]`;
  if (isCelMap(value)) return `{${[...value.entries()].map(([k, v]) => `${describeValue(k as CelValue)}: ${describeValue(v)}`).join(', ')}}`;
  return String(value);
}
