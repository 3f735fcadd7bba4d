/**
 * A path-aware reader over untrusted YAML/JSON. Every accessor throws ConfigError with the full path
 * (`tiers[1].owners.groups: expected a list of strings`), so each config section parser stays declarative.
 */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

export class ConfigNode {
  constructor(
    readonly value: unknown,
    readonly path: string = '',
  ) {}

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  fail(problem: string): never {
    throw new ConfigError(this.path, problem);
  }

  /** A child by key; reading an absent key yields an absent node, not an error. */
  get(key: string): ConfigNode {
    const map = this.present ? this.map() : {};
    return new ConfigNode(Object.hasOwn(map, key) ? map[key] : undefined, this.path ? `${this.path}.${key}` : key);
  }

  map(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`expected a map, got ${describe(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  /** Rejects keys outside `allowed`, so typos in a security config never pass silently. */
  keys(allowed: readonly string[]): this {
    if (!this.present) return this;
    for (const key of Object.keys(this.map())) {
      if (!allowed.includes(key)) {
        const at = this.path ? `${this.path}.${key}` : key;
        throw new ConfigError(at, `unknown key (expected one of: ${allowed.join(', ')})`);
      }
    }
    return this;
  }

  list(): ConfigNode[] {
    if (!this.present) return [];
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describe(this.value)}`);
    return (this.value as unknown[]).map((item, i) => new ConfigNode(item, `${this.path}[${i}]`));
  }

  entries(): [string, ConfigNode][] {
    if (!this.present) return [];
    return Object.keys(this.map()).map((key) => [key, this.get(key)]);
  }

  string(fallback?: string): string {
    if (!this.present) {
      if (fallback !== undefined) return fallback;
      this.fail('is required');
    }
    if (typeof this.value !== 'string') this.fail(`expected a string, got ${describe(this.value)}`);
    return this.value;
  }

  optionalString(): string | undefined {
    return this.present ? this.string() : undefined;
  }

  oneOf<T extends string>(choices: readonly T[], fallback?: T): T {
    const value = this.string(fallback);
    if (!(choices as readonly string[]).includes(value)) {
      this.fail(`expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  }

  boolean(fallback?: boolean): boolean {
    if (!this.present) {
      if (fallback !== undefined) return fallback;
      this.fail('is required');
    }
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, got ${describe(this.value)}`);
    return this.value;
  }

  integer(fallback?: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    if (!this.present) {
      if (fallback !== undefined) return fallback;
      this.fail('is required');
    }
    if (typeof this.value !== 'number' || !Number.isInteger(this.value)) {
      this.fail(`expected an integer, got ${describe(this.value)}`);
    }
    if (this.value < min || this.value > max) this.fail(`expected an integer from ${min} to ${max}, got ${this.value}`);
    return this.value;
  }

  /** A finite number, integer or not (Calico's orders are float64); undefined when absent. */
  optionalNumber(): number | undefined {
    if (!this.present) return undefined;
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail(`expected a number, got ${describe(this.value)}`);
    return this.value;
  }

  stringList(fallback: string[] = []): string[] {
    if (!this.present) return [...fallback];
    if (!Array.isArray(this.value) || !this.value.every((item) => typeof item === 'string')) {
      this.fail('expected a list of strings');
    }
    return [...(this.value as string[])];
  }

  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, node] of this.entries()) out[key] = node.string();
    return out;
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Durations as Go and Kubernetes write them (`500ms`, `2s`, `1m`), returned in milliseconds. */
export function parseDuration(node: ConfigNode, fallbackMs: number, minMs: number, maxMs: number): number {
  if (!node.present) return fallbackMs;
  const text = node.string();
  const match = DURATION.exec(text);
  if (!match) node.fail(`expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms < minMs || ms > maxMs) node.fail(`must be between ${minMs}ms and ${maxMs}ms, got ${text}`);
  return ms;
}
