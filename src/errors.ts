/**
 * Every error ztgate reports to a caller, in one table: a stable code, the HTTP status and who is at
 * fault. docs/errors.md documents each code; a test keeps the two in step.
 */
export const ERROR_CODES = {
  BODY_NOT_JSON: { status: 400, audience: 'caller', title: 'The request body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, audience: 'caller', title: 'The request body exceeds the 7 MiB limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, audience: 'caller', title: 'The request body is not application/json' },
  REVIEW_NOT_OBJECT: { status: 400, audience: 'caller', title: 'The AdmissionReview is not a JSON object' },
  REVIEW_API_VERSION: { status: 400, audience: 'caller', title: 'The AdmissionReview apiVersion is not admission.k8s.io/v1' },
  REVIEW_KIND: { status: 400, audience: 'caller', title: 'The body is not an AdmissionReview' },
  REQUEST_MISSING: { status: 400, audience: 'caller', title: 'The AdmissionReview has no request' },
  REQUEST_FIELD: { status: 400, audience: 'caller', title: 'A field of the AdmissionReview request is missing or has the wrong type' },
  REQUEST_OBJECT: { status: 400, audience: 'caller', title: 'The request object is missing or not a JSON object' },
  INPUT_YAML: { status: 400, audience: 'caller', title: 'The input is not valid YAML or JSON' },
  CONFIG_INVALID: { status: 500, audience: 'operator', title: 'The configuration is invalid' },
  NOT_READY: { status: 503, audience: 'operator', title: 'ztgate is not ready (certificates or config not loaded, or draining)' },
  OVERLOADED: { status: 503, audience: 'operator', title: 'ztgate is shedding load' },
  NOT_FOUND: { status: 404, audience: 'caller', title: 'No such route' },
  INTERNAL: { status: 500, audience: 'operator', title: 'An internal error; a bug in ztgate' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ZtgateError extends Error {
  override name = 'ZtgateError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
