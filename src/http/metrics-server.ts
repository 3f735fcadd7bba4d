import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface Probes {
  readiness(): { ready: boolean };
}

/**
 * Plain HTTP, on its own port: it exposes no admission endpoint, so it needs no client authentication.
 * /healthz and /readyz are served here too, because the kubelet's probes carry no client certificate and
 * would fail against the HTTPS port once client-certificate verification is on.
 */
export function createMetricsServer(metrics: Metrics, probes?: Probes): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && probes && (path === '/healthz' || path === '/readyz')) {
      const body = path === '/healthz' ? { status: 'ok' } : probes.readiness();
      const ok = path === '/healthz' || (body as { ready: boolean }).ready;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics, /healthz and /readyz are served here\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
}
