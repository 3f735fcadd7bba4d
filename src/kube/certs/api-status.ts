/** The HTTP status of a failed client-node call (its ApiException carries `code`), if it has one. */
export function apiStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Runs a write and maps the statuses a conditional write expects to results; anything else throws. */
export async function conditionalWrite<T extends string>(
  write: () => Promise<unknown>,
  ok: T,
  byStatus: Partial<Record<404 | 409, T>>,
): Promise<T> {
  try {
    await write();
    return ok;
  } catch (error) {
    const status = apiStatus(error);
    const mapped = status === 404 || status === 409 ? byStatus[status] : undefined;
    if (mapped) return mapped;
    throw error;
  }
}
