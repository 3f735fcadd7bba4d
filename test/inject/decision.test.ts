import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideInjection, type InjectionInputs } from '../../src/inject/decision.js';
import { fixtureConfig } from './helpers.js';

const base: InjectionInputs = {
  mode: 'webhook',
  namespace: 'shop',
  namespaceLabels: { 'istio-injection': 'enabled' },
  podLabels: {},
  podAnnotations: {},
  hostNetwork: false,
  systemNamespaces: ['kube-system'],
};

const CASES: { name: string; inputs: Partial<InjectionInputs>; config?: Record<string, unknown>; inject: boolean; reason: RegExp }[] = [
  { name: 'namespace istio-injection=enabled', inputs: {}, inject: true, reason: /istio-injection=enabled/ },
  { name: 'namespace istio-injection=disabled beats a Pod asking', inputs: { namespaceLabels: { 'istio-injection': 'disabled' }, podLabels: { 'sidecar.istio.io/inject': 'true' } }, inject: false, reason: /istio-injection=disabled/ },
  { name: 'istio-injection wins over istio.io/rev', inputs: { namespaceLabels: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' } }, inject: true, reason: /istio-injection=enabled/ },
  { name: 'namespace of our revision', inputs: { namespaceLabels: { 'istio.io/rev': 'default' } }, inject: true, reason: /istio\.io\/rev=default/ },
  { name: 'namespace of another revision', inputs: { namespaceLabels: { 'istio.io/rev': 'canary' } }, inject: false, reason: /revision "canary"/ },
  { name: 'configured revision', inputs: { namespaceLabels: { 'istio.io/rev': 'canary' } }, config: { revision: 'canary' }, inject: true, reason: /istio\.io\/rev=canary/ },
  { name: 'ztgate.io/mesh=enabled', inputs: { namespaceLabels: { 'ztgate.io/mesh': 'enabled' } }, inject: true, reason: /ztgate\.io\/mesh=enabled/ },
  { name: 'ztgate.io/mesh=disabled', inputs: { namespaceLabels: { 'ztgate.io/mesh': 'disabled' }, podLabels: { 'sidecar.istio.io/inject': 'true' } }, inject: false, reason: /ztgate\.io\/mesh=disabled/ },
  { name: 'unlabelled namespace', inputs: { namespaceLabels: {} }, inject: false, reason: /does not enable injection/ },
  { name: 'unlabelled namespace, Pod label true', inputs: { namespaceLabels: {}, podLabels: { 'sidecar.istio.io/inject': 'true' } }, inject: true, reason: /label sidecar\.istio\.io\/inject=true/ },
  { name: 'unlabelled namespace, Pod annotation true is not enough', inputs: { namespaceLabels: {}, podAnnotations: { 'sidecar.istio.io/inject': 'true' } }, inject: false, reason: /does not enable/ },
  { name: 'unlabelled namespace, Pod revision label', inputs: { namespaceLabels: {}, podLabels: { 'istio.io/rev': 'default' } }, inject: true, reason: /istio\.io\/rev=default/ },
  { name: 'unlabelled namespace, Pod of another revision', inputs: { namespaceLabels: {}, podLabels: { 'istio.io/rev': 'canary', 'sidecar.istio.io/inject': 'true' } }, inject: false, reason: /revision "canary"/ },
  { name: 'hostNetwork', inputs: { hostNetwork: true, podLabels: { 'sidecar.istio.io/inject': 'true' } }, inject: false, reason: /hostNetwork/ },
  { name: 'system namespace', inputs: { namespace: 'kube-system' }, inject: false, reason: /system namespace/ },
  { name: 'annotation false', inputs: { podAnnotations: { 'sidecar.istio.io/inject': 'false' } }, inject: false, reason: /annotation sidecar\.istio\.io\/inject=false/ },
  { name: 'label beats annotation (false over true)', inputs: { podLabels: { 'sidecar.istio.io/inject': 'false' }, podAnnotations: { 'sidecar.istio.io/inject': 'true' } }, inject: false, reason: /label sidecar\.istio\.io\/inject=false/ },
  { name: 'label beats annotation (true over false)', inputs: { podLabels: { 'sidecar.istio.io/inject': 'true' }, podAnnotations: { 'sidecar.istio.io/inject': 'false' } }, inject: true, reason: /label sidecar\.istio\.io\/inject=true/ },
  { name: 'only exact values count', inputs: { podLabels: { 'sidecar.istio.io/inject': 'no' }, podAnnotations: { 'sidecar.istio.io/inject': 'False' } }, inject: true, reason: /istio-injection=enabled/ },
  { name: 'neverInjectSelector', inputs: { podLabels: { tier: 'batch' } }, config: { neverInjectSelector: [{ matchLabels: { tier: 'batch' } }] }, inject: false, reason: /neverInjectSelector/ },
  { name: 'explicit true beats neverInjectSelector', inputs: { podLabels: { tier: 'batch' }, podAnnotations: { 'sidecar.istio.io/inject': 'true' } }, config: { neverInjectSelector: [{ matchLabels: { tier: 'batch' } }] }, inject: true, reason: /annotation/ },
  { name: 'neverInjectSelector beats alwaysInjectSelector', inputs: { podLabels: { tier: 'batch' } }, config: { neverInjectSelector: [{ matchLabels: { tier: 'batch' } }], alwaysInjectSelector: [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }] }, inject: false, reason: /neverInjectSelector/ },
  { name: 'policy disabled', inputs: {}, config: { policy: 'disabled' }, inject: false, reason: /policy is disabled/ },
  { name: 'policy disabled, alwaysInjectSelector', inputs: { podLabels: { mesh: 'yes' } }, config: { policy: 'disabled', alwaysInjectSelector: [{ matchLabels: { mesh: 'yes' } }] }, inject: true, reason: /alwaysInjectSelector/ },
  { name: 'policy disabled, Pod asks', inputs: { podAnnotations: { 'sidecar.istio.io/inject': 'true' } }, config: { policy: 'disabled' }, inject: true, reason: /annotation sidecar\.istio\.io\/inject=true/ },
  { name: 'an empty selector matches nothing', inputs: { podLabels: { a: 'b' } }, config: { neverInjectSelector: [{}] }, inject: true, reason: /istio-injection=enabled/ },
  { name: 'manifest mode ignores namespace labels', inputs: { mode: 'manifest', namespaceLabels: { 'istio-injection': 'disabled' } }, inject: true, reason: /every Pod/ },
  { name: 'manifest mode ignores the policy', inputs: { mode: 'manifest', namespaceLabels: {} }, config: { policy: 'disabled' }, inject: true, reason: /every Pod/ },
  { name: 'manifest mode honours the opt-out', inputs: { mode: 'manifest', podLabels: { 'sidecar.istio.io/inject': 'false' } }, inject: false, reason: /label/ },
  { name: 'manifest mode honours hostNetwork', inputs: { mode: 'manifest', hostNetwork: true }, inject: false, reason: /hostNetwork/ },
];

describe('decideInjection', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const decision = decideInjection({ ...base, ...c.inputs }, fixtureConfig(c.config).injection);
      assert.equal(decision.inject, c.inject, decision.reason);
      assert.match(decision.reason, c.reason);
    });
  }
});
