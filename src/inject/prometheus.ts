import { asObject, type JsonObject } from '../util/json.js';
import { A } from './annotations.js';
import { goJson } from './goshape.js';
import { parseGoBool } from './validate.js';

/**
 * Prometheus metrics merging: istio-agent serves the application's metrics merged with Envoy's on the
 * status port, so the Pod's scrape annotations are pointed there and the application's own scrape
 * settings move into ISTIO_PROMETHEUS_ANNOTATIONS. Prometheus treats `prometheus.io/scrape`,
 * `prometheus.io.scrape` and `prometheus-io/scrape` alike, and so does this code.
 */

const SCRAPE = 'prometheus_io_scrape';
const PORT = 'prometheus_io_port';
const PATH = 'prometheus_io_path';

/** Annotation keys already sanitised: the same few keys are looked up several times per Pod. */
const sanitized = new Map<string, string>();
const REMEMBERED = 512;

function sanitize(name: string): string {
  let out = sanitized.get(name);
  if (out === undefined) {
    out = name.replace(/[^a-zA-Z0-9_]/g, '_');
    if (sanitized.size >= REMEMBERED) sanitized.clear();
    sanitized.set(name, out);
  }
  return out;
}

function find(annotations: JsonObject, sanitized: string): string | undefined {
  for (const [key, value] of Object.entries(annotations)) {
    if (sanitize(key) === sanitized && typeof value === 'string') return value;
  }
  return undefined;
}

export function prometheusPort(annotations: JsonObject): string | undefined {
  return find(annotations, PORT);
}

export function clearPrometheusAnnotations(annotations: JsonObject): void {
  for (const key of Object.keys(annotations)) {
    if ([SCRAPE, PORT, PATH].includes(sanitize(key))) delete annotations[key];
  }
}

function scrapeEnabled(annotations: JsonObject): boolean {
  for (const [key, value] of Object.entries(annotations)) {
    if (sanitize(key) !== SCRAPE || typeof value !== 'string') continue;
    const parsed = parseGoBool(value);
    if (parsed !== undefined) return parsed;
  }
  return true;
}

function mergeEnabled(annotations: JsonObject, configured: boolean): boolean {
  const value = annotations[A.prometheusMerge];
  const parsed = typeof value === 'string' ? parseGoBool(value) : undefined;
  return parsed ?? configured;
}

/**
 * Points the scrape annotations of `pod` at the agent and returns the env entry carrying the
 * application's previous scrape settings, if it had any. A Pod already pointing at the status port
 * (re-injection, or a user who set it) is left alone.
 */
export function applyPrometheusMerge(pod: JsonObject, statusPort: number, configured: boolean): JsonObject | undefined {
  const metadata = (pod['metadata'] = asObject(pod['metadata']) ?? {});
  const annotations = (metadata['annotations'] = asObject(metadata['annotations']) ?? {});
  if (!scrapeEnabled(annotations) || !mergeEnabled(annotations, configured)) return undefined;
  const target = String(statusPort);
  if (prometheusPort(annotations) === target) return undefined;
  const scrape = { scrape: find(annotations, SCRAPE) ?? '', path: find(annotations, PATH) ?? '', port: find(annotations, PORT) ?? '' };
  clearPrometheusAnnotations(annotations);
  annotations['prometheus.io/port'] = target;
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/scrape'] = 'true';
  if (!scrape.scrape && !scrape.path && !scrape.port) return undefined;
  return { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: goJson(scrape) };
}
