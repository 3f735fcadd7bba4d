import {
  ApiException,
  type V1MutatingWebhookConfiguration,
  type V1Secret,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type { SecretApi } from '../../src/kube/certs/secret-client.js';
import type { WebhookApi, WebhookKind } from '../../src/kube/webhook-config.js';

export interface Call {
  call: string;
  name: string;
  /** 'ok' or the HTTP status the fake answered with. */
  result: 'ok' | number;
}

type Configuration = V1ValidatingWebhookConfiguration | V1MutatingWebhookConfiguration;

/**
 * An in-memory stand-in for the client-node calls the certificate manager makes, with the API
 * server's concurrency rules: create fails with 409 when the object exists, replace fails with 409
 * when the resourceVersion sent is not the stored one. Every call is recorded. Each call yields to the
 * event loop first, so replicas running at once interleave the way they would over a network.
 */
export class FakeCluster {
  readonly calls: Call[] = [];
  readonly secrets = new Map<string, V1Secret>();
  readonly configurations: Record<WebhookKind, Map<string, Configuration>> = { validating: new Map(), mutating: new Map() };
  /** Make the next n calls fail with this status (e.g. 500, 403) before touching anything. */
  failNext: { count: number; status: number } = { count: 0, status: 500 };
  private version = 100;

  private nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }

  private async enter(call: string, name: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failNext.count > 0) {
      this.failNext.count -= 1;
      this.fail(call, name, this.failNext.status);
    }
  }

  private fail(call: string, name: string, status: number): never {
    this.calls.push({ call, name, result: status });
    throw new ApiException(status, `fake API: ${call} ${name}: HTTP ${status}`, { code: status }, {});
  }

  private ok<T>(call: string, name: string, value: T): T {
    this.calls.push({ call, name, result: 'ok' });
    return structuredClone(value);
  }

  count(call: string, result: 'ok' | number = 'ok'): number {
    return this.calls.filter((c) => c.call === call && c.result === result).length;
  }

  secretApi(): SecretApi {
    const key = (namespace: string, name: string) => `${namespace}/${name}`;
    return {
      readNamespacedSecret: async ({ name, namespace }) => {
        await this.enter('readSecret', name);
        const secret = this.secrets.get(key(namespace, name));
        return secret ? this.ok('readSecret', name, secret) : this.fail('readSecret', name, 404);
      },
      createNamespacedSecret: async ({ namespace, body }) => {
        const name = body.metadata?.name ?? '';
        await this.enter('createSecret', name);
        if (this.secrets.has(key(namespace, name))) this.fail('createSecret', name, 409);
        const stored = structuredClone(body);
        stored.metadata = { ...stored.metadata, namespace, resourceVersion: this.nextVersion() };
        this.secrets.set(key(namespace, name), stored);
        return this.ok('createSecret', name, stored);
      },
      replaceNamespacedSecret: async ({ name, namespace, body }) => {
        await this.enter('replaceSecret', name);
        const current = this.secrets.get(key(namespace, name));
        if (!current) this.fail('replaceSecret', name, 404);
        const sent = body.metadata?.resourceVersion;
        if (sent !== undefined && sent !== current.metadata?.resourceVersion) this.fail('replaceSecret', name, 409);
        const stored = structuredClone(body);
        stored.metadata = { ...stored.metadata, namespace, resourceVersion: this.nextVersion() };
        this.secrets.set(key(namespace, name), stored);
        return this.ok('replaceSecret', name, stored);
      },
    };
  }

  webhookApi(): WebhookApi {
    const read = async (kind: WebhookKind, name: string) => {
      await this.enter(`read-${kind}`, name);
      const config = this.configurations[kind].get(name);
      return config ? this.ok(`read-${kind}`, name, config) : this.fail(`read-${kind}`, name, 404);
    };
    const replace = async (kind: WebhookKind, name: string, body: Configuration) => {
      await this.enter(`replace-${kind}`, name);
      const current = this.configurations[kind].get(name);
      if (!current) this.fail(`replace-${kind}`, name, 404);
      if (body.metadata?.resourceVersion !== undefined && body.metadata.resourceVersion !== current.metadata?.resourceVersion) {
        this.fail(`replace-${kind}`, name, 409);
      }
      const stored = structuredClone(body);
      stored.metadata = { ...stored.metadata, resourceVersion: this.nextVersion() };
      this.configurations[kind].set(name, stored);
      return this.ok(`replace-${kind}`, name, stored);
    };
    return {
      readValidatingWebhookConfiguration: ({ name }) => read('validating', name) as Promise<V1ValidatingWebhookConfiguration>,
      readMutatingWebhookConfiguration: ({ name }) => read('mutating', name) as Promise<V1MutatingWebhookConfiguration>,
      replaceValidatingWebhookConfiguration: ({ name, body }) => replace('validating', name, body) as Promise<V1ValidatingWebhookConfiguration>,
      replaceMutatingWebhookConfiguration: ({ name, body }) => replace('mutating', name, body) as Promise<V1MutatingWebhookConfiguration>,
    };
  }

  /** What `kubectl apply` of deploy/webhooks.yaml leaves: the configuration with an empty caBundle. */
  register(kind: WebhookKind, name: string, webhookNames: string[]): void {
    this.configurations[kind].set(name, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: kind === 'validating' ? 'ValidatingWebhookConfiguration' : 'MutatingWebhookConfiguration',
      metadata: { name, resourceVersion: this.nextVersion() },
      webhooks: webhookNames.map((webhook) => ({
        name: webhook,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        clientConfig: { service: { name: 'ztgate', namespace: 'ztgate-system', path: '/x', port: 443 } },
      })),
    } as Configuration);
  }

  /** Someone else (a GitOps tool re-applying, a human) sets the caBundle behind ztgate's back. */
  overwriteCaBundle(kind: WebhookKind, name: string, pem: string): void {
    const config = this.configurations[kind].get(name)!;
    for (const webhook of config.webhooks ?? []) webhook.clientConfig.caBundle = Buffer.from(pem).toString('base64');
    config.metadata = { ...config.metadata, resourceVersion: this.nextVersion() };
  }

  /** The PEM text of each webhook's caBundle, as the API server would use it. */
  caBundles(kind: WebhookKind, name: string): (string | undefined)[] {
    return (this.configurations[kind].get(name)?.webhooks ?? []).map((webhook) =>
      webhook.clientConfig.caBundle ? Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8') : undefined,
    );
  }

  secretData(namespace: string, name: string): Record<string, string> | undefined {
    const secret = this.secrets.get(`${namespace}/${name}`);
    if (!secret) return undefined;
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }
}
