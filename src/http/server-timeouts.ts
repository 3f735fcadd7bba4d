import type { ServerOptions } from 'node:https';

/**
 * The webhook's only legitimate caller is the API server, whose webhook client (client-go's transport
 * defaults) gives up on a TLS handshake after 10 s, closes idle connections after 90 s, and waits at most
 * the webhook's timeoutSeconds (10 s by default, 30 s at most) for an answer. Anything slower than that
 * is not the API server, and holding its socket only helps an attacker exhaust ours.
 */
export interface ServerTimeouts {
  /** A TLS handshake must finish within this (node's default is 120 s). */
  handshakeMs: number;
  /** All request headers must arrive within this, counted from the first byte of the request. */
  headersMs: number;
  /** The whole request, body included, must arrive within this. */
  requestMs: number;
  /** A socket with a request under way and no byte moving for this long is closed. */
  idleMs: number;
  /**
   * An idle kept-alive connection stays open this long. Longer than the API server's own 90 s idle
   * timeout: the client closes first, so it never sends a review on a socket we are closing.
   */
  keepAliveMs: number;
  /** How often node sweeps connections for the header and request limits (its default, 30 s, lets them overrun by that much). */
  checkIntervalMs: number;
}

/** The API server's idle-connection timeout (Go's http.DefaultTransport, kept by client-go). */
export const API_SERVER_IDLE_CONNECTION_MS = 90_000;
/** The longest timeoutSeconds a webhook registration may set. */
export const WEBHOOK_MAX_TIMEOUT_MS = 30_000;

export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze({
  handshakeMs: 10_000,
  headersMs: 10_000,
  requestMs: WEBHOOK_MAX_TIMEOUT_MS,
  idleMs: WEBHOOK_MAX_TIMEOUT_MS,
  keepAliveMs: 120_000,
  checkIntervalMs: 1000,
});

/** The relations the values must keep; checked at start so a bad override fails loudly, not at 3 a.m. */
export function checkServerTimeouts(timeouts: ServerTimeouts): void {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(timeouts)) {
    if (!Number.isInteger(value) || value <= 0) problems.push(`${key} must be a positive whole number of milliseconds, got ${value}`);
  }
  if (timeouts.headersMs > timeouts.requestMs) problems.push(`headersMs (${timeouts.headersMs}) must not exceed requestMs (${timeouts.requestMs})`);
  if (timeouts.checkIntervalMs > timeouts.headersMs) problems.push(`checkIntervalMs (${timeouts.checkIntervalMs}) must not exceed headersMs (${timeouts.headersMs})`);
  if (problems.length > 0) throw new Error(`server timeouts: ${problems.join('; ')}`);
}

/**
 * Fastify server options carrying the timeouts. Some only take effect when the server is constructed
 * (handshake, header and sweep limits go to https.createServer); fastify sets the others on the server
 * after creating it, and would reset requestTimeout to 0 and keepAliveTimeout to 72 s if they were absent.
 */
export function withServerTimeouts(https: ServerOptions, timeouts: ServerTimeouts = SERVER_TIMEOUTS): Record<string, unknown> {
  checkServerTimeouts(timeouts);
  return {
    https: {
      ...https,
      handshakeTimeout: timeouts.handshakeMs,
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: timeouts.idleMs,
  };
}
