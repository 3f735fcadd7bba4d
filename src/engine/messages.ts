import type { Violation } from './types.js';

/** kubectl prints webhook warnings one per line; 120 characters keeps each on one terminal line. */
export const MAX_WARNING_LENGTH = 120;

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** One line that names the id, the object part and field, why it matters and how to fix it. */
export function denialLine(violation: Violation): string {
  if (violation.message) return violation.message;
  return `${violation.invariantId}: ${violation.summary} (${violation.path}); ${violation.why}. ${sentence(violation.fix)}`;
}

export function warningLine(violation: Violation): string {
  const line = violation.message ?? `${violation.invariantId}: ${violation.summary} (${violation.path})`;
  return truncate(line, MAX_WARNING_LENGTH);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Audit annotation keys must be valid qualified-name parts (≤63 chars) once the API server prefixes them. */
export function auditKey(prefix: string, id: string): string {
  return `${prefix}-${id}`.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}
