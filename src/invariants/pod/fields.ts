/** Kubernetes field-path notation for a map key, as the API server writes it: `metadata.labels[app]`. */
export function keyPath(base: string, key: string): string {
  return `${base}[${key}]`;
}

const MAX_QUOTED = 40;

/** A user-supplied value quoted for a one-line message, cut so a long value cannot flood it. */
export function quoted(value: string): string {
  return JSON.stringify(value.length <= MAX_QUOTED ? value : `${value.slice(0, MAX_QUOTED - 1)}…`);
}
