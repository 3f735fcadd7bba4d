import { Writable } from 'node:stream';
import { buildApp, type AppDeps } from '../../src/app.js';
import { defaultConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { Metrics } from '../../src/http/metrics.js';
import { createLogger } from '../../src/log/logger.js';

/** Log lines captured as objects, so tests read back what operators would see. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

export function testApp(options: { config?: Config; namespaces?: unknown[]; deps?: Partial<AppDeps> } = {}) {
  const logs = new LogCapture();
  const metrics = new Metrics({ defaultMetrics: false });
  const config = options.config ?? defaultConfig();
  const built = buildApp({
    config: () => config,
    namespaces: new StaticNamespaceSource(options.namespaces ?? []),
    logger: createLogger({ level: 'info', destination: logs }),
    metrics,
    ...options.deps,
  });
  return { ...built, logs, metrics, config };
}

export function namespace(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}
