import { ZtgateError, type ErrorCode } from '../errors.js';

/** Maps fastify's own errors to our coded table, so every error body is `{code, message}`. */
export function toZtgateError(error: unknown): ZtgateError {
  if (error instanceof ZtgateError) return error;
  const fastifyCode = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const mapped: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_NOT_JSON',
    FST_ERR_CTP_INVALID_JSON_BODY: 'BODY_NOT_JSON',
  };
  const code = fastifyCode ? mapped[fastifyCode] : undefined;
  if (code) return new ZtgateError(code, message);
  const status = (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return new ZtgateError('REQUEST_FIELD', message);
  return new ZtgateError('INTERNAL', message);
}
