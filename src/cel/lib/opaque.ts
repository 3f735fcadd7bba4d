import { celMap, celType, isCelMap, type CelMap, type CelValue } from '@bufbuild/cel';

/**
 * @bufbuild/cel has no extension point for new value types, so Kubernetes' Quantity, Semver, IP, CIDR,
 * URL, Format and optional values travel as one-entry maps (`{"@Quantity": "<canonical>"}`) whose parsed
 * form is kept on the side. Equality then compares canonical forms, which is what Kubernetes' Equal does;
 * a map literal written in a rule is never mistaken for one, because only maps made here are registered.
 */
export type OpaqueKind = 'Quantity' | 'Semver' | 'IP' | 'CIDR' | 'URL' | 'Format' | 'optional';

const REGISTRY = new WeakMap<CelMap, { kind: OpaqueKind; value: unknown }>();

export function makeOpaque(kind: OpaqueKind, value: unknown, canonical: string): CelMap {
  const map = celMap(new Map([[`@${kind}`, canonical]]));
  REGISTRY.set(map, { kind, value });
  return map;
}

export function opaqueKind(value: unknown): OpaqueKind | undefined {
  return isCelMap(value) ? REGISTRY.get(value)?.kind : undefined;
}

/** The CEL type name of a value as messages should show it: Quantity rather than map. */
export function typeName(value: CelValue): string {
  return opaqueKind(value) ?? celType(value).name;
}

/** The parsed value behind an opaque map; a clear no-overload error otherwise. */
export function unwrapOpaque<T>(value: unknown, kind: OpaqueKind, functionName: string): T {
  const entry = isCelMap(value) ? REGISTRY.get(value) : undefined;
  if (!entry || entry.kind !== kind) {
    const got = entry?.kind ?? (value === undefined ? 'nothing' : typeName(value as CelValue));
    throw new Error(`found no matching overload for '${functionName}': expected ${kind}, got ${got}`);
  }
  return entry.value as T;
}

/** isQuantity, isURL, isIP, isCIDR: whether the constructor of the same name would accept the string. */
export function accepts(parse: (text: string) => unknown): (text: string) => boolean {
  return (text) => {
    try {
      parse(text);
      return true;
    } catch {
      return false;
    }
  };
}
