import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config/types.js';
import { ZtgateError } from './errors.js';
import type { NamespaceSource } from './facts/types.js';
import { toZtgateError } from './http/errors.js';
import type { Metrics } from './http/metrics.js';
import { readiness, type WatchedSource } from './http/readiness.js';
import { registerReviewRoutes, type ReviewObserver } from './http/review-routes.js';
import type { Logger } from './log/logger.js';
import type { LoadShedder } from './http/load-shedding.js';

/** controller-runtime's limit: the API server itself caps objects well below it. */
export const BODY_LIMIT_BYTES = 7 * 1024 * 1024;

export interface AppDeps {
  config: () => Config;
  namespaces: NamespaceSource;
  /** The cluster's ZeroTrustRules, when they are watched: readiness waits for them. */
  clusterRules?: WatchedSource;
  /** The registration check, when ztgate can read its webhook configurations: readiness reports it. */
  registration?: { describe(): string };
  logger: Logger;
  metrics: Metrics;
  certificatesLoaded?: () => boolean;
  now?: () => Date;
  observer?: ReviewObserver;
  /** Load shedding; absent in tests that do not exercise it. */
  shedder?: LoadShedder;
  /** Extra server options (https, timeouts) from the process entry; tests leave it out. */
  serverOptions?: Partial<FastifyServerOptions> & Record<string, unknown>;
}

export interface ZtgateApp {
  app: FastifyInstance;
  /** Readiness goes false; in-flight reviews still finish. */
  startDraining(): void;
  /** The readiness verdict, also served on the metrics port for kubelet probes without client certificates. */
  readiness(): ReturnType<typeof readiness>;
}

/** Builds the fastify instance without listening: tests drive it with app.inject(). */
export function buildApp(deps: AppDeps): ZtgateApp {
  const app = Fastify({
    ...(deps.serverOptions ?? {}),
    // No logger for fastify: the decision line and the error handler below are ours to write, and
    // fastify would otherwise build a child logger for every request only to leave it unused.
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // On close, idle keep-alive connections are closed at once instead of waiting for their timeout.
    forceCloseConnections: 'idle',
  } as FastifyServerOptions) as unknown as FastifyInstance;
  let draining = false;

  // The body reaches the route as text: the review core parses it (with a coded error naming the
  // position), and a replayed mutation is answered without parsing it at all (review/mutation-replay.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((error, _request, reply) => {
    const coded = toZtgateError(error);
    if (coded.code === 'INTERNAL') deps.logger.error({ err: error }, 'unhandled error');
    void reply.code(coded.status).type('application/json').send(JSON.stringify(coded.toJSON()));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ZtgateError('NOT_FOUND', `no route ${request.method} ${request.url}; use POST /validate/fail, /validate/ignore, /validate or /mutate`);
    void reply.code(404).type('application/json').send(JSON.stringify(error.toJSON()));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  const currentReadiness = (): ReturnType<typeof readiness> =>
    readiness({
      draining,
      certificatesLoaded: deps.certificatesLoaded?.() ?? true,
      config: deps.config(),
      namespaces: deps.namespaces,
      clusterRules: deps.clusterRules,
      shedding: deps.shedder?.shedReason(),
      registration: deps.registration,
    });
  app.get('/readyz', async (_request, reply) => {
    const result = currentReadiness();
    return reply.code(result.ready ? 200 : 503).send(result);
  });
  registerReviewRoutes(app, deps);

  return {
    app,
    startDraining() {
      draining = true;
    },
    readiness: currentReadiness,
  };
}
