// The ceiling of ztgate's stack: fastify 5 over HTTPS, parsing an AdmissionReview and allowing it, with
// nothing else. Plain JavaScript so that it runs without a TypeScript loader, exactly as ztgate runs
// from dist/: a loader thread would add memory and startup work that ztgate does not pay.
// Usage: node bench/ceiling-server.mjs --port N --cert FILE --key FILE
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({ options: { port: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' } } });
if (!values.port || !values.cert || !values.key) {
  process.stderr.write('usage: ceiling-server.mjs --port N --cert FILE --key FILE\n');
  process.exit(2);
}

const app = Fastify({
  https: { cert: readFileSync(values.cert), key: readFileSync(values.key) },
  // The same limits and keep-alive as `ztgate serve`, so only the work per review differs.
  bodyLimit: 7 * 1024 * 1024,
  keepAliveTimeout: 120_000,
  logger: false,
});

const allow = async (request) => {
  const review = request.body;
  return {
    apiVersion: review?.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review?.request?.uid ?? '', allowed: true },
  };
};
app.post('/validate', allow);
app.post('/mutate', allow);
app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
