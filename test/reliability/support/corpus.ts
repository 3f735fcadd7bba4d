import { defaultConfig } from '../../../src/config/parse.js';
import { StaticNamespaceSource } from '../../../src/facts/static.js';
import type { JsonObject } from '../../../src/util/json.js';
import { namespace } from '../../support/app.js';
import { pod, reviewOf } from '../../support/reviews.js';

export const NAMESPACES = [namespace('shop'), namespace('mesh', { 'istio-injection': 'enabled' })];
export const namespaceSource = (): StaticNamespaceSource => new StaticNamespaceSource(NAMESPACES);
export const CONFIG = defaultConfig();

const ALICE = { username: 'alice', groups: ['system:authenticated'] };
const SAM = { username: 'sam', groups: ['system:authenticated', 'ztgate:security-admins'] };

function calicoPolicy(name: string, tier: string): JsonObject {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'shop' },
    spec: {
      tier,
      order: 100,
      selector: 'app == "checkout"',
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: 'app == "web"', serviceAccounts: { names: ['web'] } }, destination: { ports: [8443] } }],
    },
  };
}

const deployment: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'checkout', namespace: 'mesh', labels: { app: 'checkout' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'checkout' } },
    template: {
      metadata: { labels: { app: 'checkout' } },
      spec: {
        serviceAccountName: 'checkout',
        containers: [
          {
            name: 'app',
            image: 'registry.example/checkout:1.4',
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
            env: [{ name: 'MODE', value: 'prod' }],
          },
        ],
        volumes: [{ name: 'cache', emptyDir: {} }],
      },
    },
  },
};

/** What the API server really sends, one review per family ztgate handles: the seeds of every mutation. */
export const REAL_REVIEWS: { name: string; review: JsonObject }[] = [
  { name: 'pod with its own service account', review: reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'pod-ok' }) },
  { name: 'pod on the default service account', review: reviewOf(pod({ serviceAccountName: 'default' }), { uid: 'pod-default-sa' }) },
  { name: 'privileged pod', review: reviewOf(pod({ serviceAccountName: 'web', containers: [{ name: 'app', image: 'x', securityContext: { privileged: true } }] }), { uid: 'pod-privileged' }) },
  { name: 'pod in the mesh', review: reviewOf(pod({ serviceAccountName: 'web' }, { namespace: 'mesh' }), { uid: 'pod-mesh' }) },
  { name: 'deployment in the mesh', review: reviewOf(deployment, { uid: 'deploy-mesh' }) },
  {
    name: 'pod update',
    review: reviewOf(pod({ serviceAccountName: 'web' }, { labels: { app: 'web', v: '2' } }), { uid: 'pod-update', operation: 'UPDATE', oldObject: pod({ serviceAccountName: 'web' }, { labels: { app: 'web' } }) }),
  },
  { name: 'calico policy in the security tier by a non-owner', review: reviewOf(calicoPolicy('security.allow-web', 'security'), { uid: 'calico-alice', userInfo: ALICE }) },
  { name: 'calico policy in the security tier by an owner', review: reviewOf(calicoPolicy('security.allow-web', 'security'), { uid: 'calico-sam', userInfo: SAM }) },
  { name: 'calico policy deleted', review: reviewOf(calicoPolicy('security.allow-web', 'security'), { uid: 'calico-delete', operation: 'DELETE', userInfo: ALICE }) },
  {
    name: 'allow-all NetworkPolicy',
    review: reviewOf(
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{}] } },
      { uid: 'knp-open' },
    ),
  },
  {
    name: 'permissive PeerAuthentication',
    review: reviewOf({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 'PERMISSIVE' } } }, { uid: 'pa-permissive' }),
  },
  { name: 'namespace', review: reviewOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'new-team', labels: { team: 'a' } } }, { uid: 'ns-create' }) },
  {
    // ZT-NS-001: the namespace names itself in the review, as the API server's does.
    name: 'namespace leaving the mesh',
    review: reviewOf(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh', labels: { 'kubernetes.io/metadata.name': 'mesh' } } },
      {
        uid: 'ns-relabel',
        operation: 'UPDATE',
        namespace: 'mesh',
        userInfo: ALICE,
        oldObject: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh', labels: { 'kubernetes.io/metadata.name': 'mesh', 'istio-injection': 'enabled' } } },
      },
    ),
  },
  {
    // ZT-NET-009: a mesh extension written by someone who does not own them.
    name: 'envoyfilter by a non-owner',
    review: reviewOf(
      {
        apiVersion: 'networking.istio.io/v1alpha3',
        kind: 'EnvoyFilter',
        metadata: { name: 'drop-rbac', namespace: 'shop' },
        spec: { workloadSelector: { labels: { app: 'api' } }, configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'REMOVE' } }] },
      },
      { uid: 'envoyfilter', userInfo: ALICE },
    ),
  },
  {
    // ZT-NET-008: an update that adds an address to one the Service held, so both lists are fuzzed.
    name: 'service adding an external IP',
    review: reviewOf(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge', namespace: 'shop' }, spec: { ports: [{ port: 80 }], externalIPs: ['192.0.2.1', '203.0.113.9'] } },
      {
        uid: 'svc-external-ip',
        operation: 'UPDATE',
        oldObject: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge', namespace: 'shop' }, spec: { ports: [{ port: 80 }], externalIPs: ['192.0.2.1'] } },
      },
    ),
  },
  {
    // ZT-NET-010: a route for another namespace's service, exported to a third, widened from its own.
    name: 'virtualservice routing another namespace',
    review: reviewOf(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews', namespace: 'shop' },
        spec: { hosts: ['reviews', 'reviews.payments.svc.cluster.local', '*.local'], exportTo: ['.', 'frontend'], gateways: ['mesh'], http: [{ route: [{ destination: { host: 'reviews' } }] }] },
      },
      {
        uid: 'virtualservice',
        operation: 'UPDATE',
        oldObject: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: ['reviews'], exportTo: ['.'] } },
      },
    ),
  },
  {
    // ZT-NET-011: a ServiceEntry sending an external API and an address to endpoints of its own.
    name: 'serviceentry with its own endpoints',
    review: reviewOf(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'stripe', namespace: 'shop' },
        spec: { hosts: ['api.stripe.com', 'vm-db.shop.svc'], addresses: ['203.0.113.5'], exportTo: ['*'], resolution: 'STATIC', endpoints: [{ address: '10.1.2.3', ports: { tls: 8443 } }], workloadSelector: { labels: { app: 'proxy' } } },
      },
      { uid: 'serviceentry' },
    ),
  },
];
