// The ceiling of ztgate's stack: fastify 5 over HTTPS, parsing an AdmissionReview and allowing it, with
// nothing else. Plain JavaScript so that it runs without a TypeScript loader, exactly as ztgate runs
// from dist/: a loader thread would add memory and startup work that ztgate does not pay.
// Usage: node bench/ceiling-server.mjs --port N --cert FILE --key FILE [--work-us N] [--linger-us N]
//
// For bench/marginal.ts only (bench/README.md, "Fourth pass"): --work-us adds N µs of busy work to every
// review before it is answered, to ask what extra work costs in the measured figures (on a virtual
// machine, not N); --linger-us keeps the server busy N µs after each answer, in the next turn, to show
// what a core that has not gone idle yet does to the round trip at one connection.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: { port: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' }, 'work-us': { type: 'string', default: '0' }, 'linger-us': { type: 'string', default: '0' } },
});
const workMicros = Number(values['work-us']);
const lingerMicros = Number(values['linger-us']);
if (!values.port || !values.cert || !values.key || !(workMicros >= 0) || !(lingerMicros >= 0)) {
  process.stderr.write('usage: ceiling-server.mjs --port N --cert FILE --key FILE [--work-us N] [--linger-us N]\n');
  process.exit(2);
}

// Busy work timed on the monotonic clock (read in user space, no system call) rather than a loop count
// calibrated at startup: the same arithmetic loop ran five times faster inside the handler than when
// calibrated (V8 compiled it differently), so a count would not mean the µs it was asked for. The
// server has its core to itself, so wall time spinning is CPU time.
function busy(micros) {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until);
}

const linger = () => busy(lingerMicros);

const app = Fastify({
  https: { cert: readFileSync(values.cert), key: readFileSync(values.key) },
  // The same limits and keep-alive as `ztgate serve`, so only the work per review differs.
  bodyLimit: 7 * 1024 * 1024,
  keepAliveTimeout: 120_000,
  logger: false,
});

const allow = async (request) => {
  const review = request.body;
  if (workMicros > 0) busy(workMicros);
  if (lingerMicros > 0) setImmediate(linger);
  return {
    apiVersion: review?.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review?.request?.uid ?? '', allowed: true },
  };
};
app.post('/validate', allow);
// The path the shipped registration calls for protected namespaces, where the validate scenarios send.
app.post('/validate/fail', allow);
app.post('/mutate', allow);
app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
