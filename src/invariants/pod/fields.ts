/** Kubernetes field-path notation for a map key, as the API server writes it: `metadata.labels[app]`. */
export function keyPath(base: string, key: string): string {
  return `${base}[${key}]`;
}

const MAX_QUOTED = 40;

/** A user-supplied value quoted for a one-line message, cut so a long value cannot flood it. */
export function quoted(value: string): string {
  return JSON.stringify(value.length <= MAX_QUOTED ? value : `${value.slice(0, MAX_QUOTED - 1)}…`);
}

/** A map entry's change as a verb phrase: `removes label istio-injection, which was "enabled"`. */
export function describeChange(subject: string, before: string | undefined, after: string | undefined): string {
  if (before === undefined) return `adds ${subject} as ${quoted(after ?? '')}`;
  if (after === undefined) return `removes ${subject}, which was ${quoted(before)}`;
  return `changes ${subject} from ${quoted(before)} to ${quoted(after)}`;
}
