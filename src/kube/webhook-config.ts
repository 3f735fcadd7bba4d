import type {
  AdmissionregistrationV1Api,
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { apiStatus, conditionalWrite } from './certs/api-status.js';

export type WebhookKind = 'validating' | 'mutating';

export interface WebhookRef {
  kind: WebhookKind;
  name: string;
}

/** A webhook configuration as the certificate manager sees it: one caBundle (PEM text) per webhook. */
export interface WebhookReading {
  ref: WebhookRef;
  present: boolean;
  caBundles: (string | undefined)[];
  resourceVersion?: string;
}

/** The client-node calls made on webhook configurations; RBAC grants get and update on ztgate's own. */
export type WebhookApi = Pick<
  AdmissionregistrationV1Api,
  | 'readValidatingWebhookConfiguration'
  | 'replaceValidatingWebhookConfiguration'
  | 'readMutatingWebhookConfiguration'
  | 'replaceMutatingWebhookConfiguration'
>;

export interface WebhookConfigurationClient {
  read(ref: WebhookRef): Promise<WebhookReading>;
  /** The whole configuration as plain JSON (its field names are the API's), or undefined when there is none. */
  configuration(ref: WebhookRef): Promise<Record<string, unknown> | undefined>;
  /**
   * Sets the caBundle of every webhook in the configuration. `conflict` when it changed since
   * `resourceVersion` was read, `missing` when it does not exist.
   */
  writeCaBundle(ref: WebhookRef, pem: string, resourceVersion: string | undefined): Promise<'updated' | 'conflict' | 'missing'>;
}

type Configuration = V1ValidatingWebhookConfiguration | V1MutatingWebhookConfiguration;

function decodeBundle(base64: string | undefined): string | undefined {
  return base64 ? Buffer.from(base64, 'base64').toString('utf8') : undefined;
}

export function webhookConfigurationClient(api: WebhookApi): WebhookConfigurationClient {
  const get = async (ref: WebhookRef): Promise<Configuration | undefined> => {
    try {
      return ref.kind === 'validating'
        ? await api.readValidatingWebhookConfiguration({ name: ref.name })
        : await api.readMutatingWebhookConfiguration({ name: ref.name });
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  };

  return {
    async read(ref) {
      const config = await get(ref);
      if (!config) return { ref, present: false, caBundles: [] };
      const reading: WebhookReading = {
        ref,
        present: true,
        caBundles: (config.webhooks ?? []).map((webhook) => decodeBundle(webhook.clientConfig.caBundle)),
      };
      if (config.metadata?.resourceVersion) reading.resourceVersion = config.metadata.resourceVersion;
      return reading;
    },

    async configuration(ref) {
      const config = await get(ref);
      // client-node's models carry the API's own field names; JSON drops what is unset and turns dates to text.
      return config ? (JSON.parse(JSON.stringify(config)) as Record<string, unknown>) : undefined;
    },

    async writeCaBundle(ref, pem, resourceVersion) {
      const config = await get(ref);
      if (!config) return 'missing';
      if (resourceVersion !== undefined && config.metadata?.resourceVersion !== resourceVersion) return 'conflict';
      const caBundle = Buffer.from(pem, 'utf8').toString('base64');
      for (const webhook of config.webhooks ?? []) webhook.clientConfig.caBundle = caBundle;
      // A replace, not a patch: the resourceVersion it carries makes a concurrent edit fail with 409
      // instead of being overwritten, and `update` is a verb RBAC can grant by resourceName.
      return conditionalWrite(
        () =>
          ref.kind === 'validating'
            ? api.replaceValidatingWebhookConfiguration({ name: ref.name, body: config as V1ValidatingWebhookConfiguration })
            : api.replaceMutatingWebhookConfiguration({ name: ref.name, body: config as V1MutatingWebhookConfiguration }),
        'updated',
        { 404: 'missing', 409: 'conflict' },
      );
    },
  };
}
