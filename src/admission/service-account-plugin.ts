/**
 * What the API server's ServiceAccount admission plugin adds to a Pod that automounts its token (the
 * default), before the webhooks run and again after a webhook changed the Pod: a projected volume named
 * with this prefix and five random characters, mounted read-only at this path into every container
 * that has no mount there.
 */
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
export const TOKEN_VOLUME_SUFFIX_LENGTH = 5;
/** DefaultAPITokenMountPath. */
export const API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
