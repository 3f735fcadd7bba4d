import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/reader.js';
import { parseConfig } from '../../src/config/parse.js';
import { DEFAULT_ISTIO_TAG } from '../../src/inject/config.js';

function injection(raw: unknown) {
  return parseConfig({ injection: raw }, 'test').injection;
}

describe('injection config', () => {
  test('defaults are Istio chart defaults', () => {
    const config = injection(undefined);
    assert.equal(config.hub, 'docker.io/istio');
    assert.equal(config.tag, DEFAULT_ISTIO_TAG);
    assert.equal(config.revision, 'default');
    assert.equal(config.nativeSidecars, true);
    assert.equal(config.holdApplicationUntilProxyStarts, false);
    assert.equal(config.statusPort, 15020);
    assert.equal(config.proxyUID, 1337);
    assert.equal(config.proxyGID, 1337);
    assert.equal(config.trustDomain, 'cluster.local');
    assert.equal(config.clusterDomain, 'cluster.local');
    assert.equal(config.caAddress, 'istiod.istio-system.svc:15012');
    assert.deepEqual(config.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } });
    assert.equal(config.rewriteAppHTTPProbers, true);
    assert.deepEqual(config.neverInjectSelector, []);
    assert.deepEqual(config.alwaysInjectSelector, []);
    assert.equal(config.policy, 'enabled');
  });

  test('values are read, quantities canonicalised, selectors parsed', () => {
    const config = injection({
      hub: 'mirror.example:5000/istio',
      tag: '1.28.1-distroless',
      revision: 'canary',
      resources: { requests: { cpu: '0.1' }, limits: { memory: '2048Mi', cpu: 4 } },
      neverInjectSelector: [{ matchLabels: { a: 'b' } }],
      alwaysInjectSelector: [{ matchExpressions: [{ key: 'mesh', operator: 'Exists' }] }],
      policy: 'disabled',
      statusPort: 0,
    });
    assert.equal(config.hub, 'mirror.example:5000/istio');
    assert.deepEqual(config.resources, { requests: { cpu: '100m' }, limits: { memory: '2Gi', cpu: '4' } });
    assert.deepEqual(config.neverInjectSelector, [{ matchLabels: { a: 'b' }, matchExpressions: [] }]);
    assert.equal(config.alwaysInjectSelector[0]!.matchExpressions[0]!.operator, 'Exists');
    assert.equal(config.policy, 'disabled');
    assert.equal(config.statusPort, 0);
  });

  const BAD: [unknown, RegExp][] = [
    [{ hbu: 'x' }, /^injection\.hbu: unknown key/],
    [{ hub: '' }, /^injection\.hub: must not be empty/],
    [{ tag: 1.28 }, /^injection\.tag: expected a string, got number 1\.28/],
    [{ revision: 'Canary' }, /^injection\.revision: expected a revision name/],
    [{ nativeSidecars: 'yes' }, /^injection\.nativeSidecars: expected true or false/],
    [{ statusPort: 70000 }, /^injection\.statusPort: expected an integer from 0 to 65535/],
    [{ proxyUID: -1 }, /^injection\.proxyUID:/],
    [{ trustDomain: 'Not A Domain' }, /^injection\.trustDomain: expected a trust domain/],
    [{ caAddress: 'istiod' }, /^injection\.caAddress: expected host:port/],
    [{ resources: { limits: { cpu: 'lots' } } }, /^injection\.resources\.limits\.cpu: expected a Kubernetes quantity/],
    [{ resources: { requsts: {} } }, /^injection\.resources\.requsts: unknown key/],
    [{ neverInjectSelector: [{ matchLabels: { a: 1 } }] }, /^injection\.neverInjectSelector\[0\]\.matchLabels\.a: expected a string/],
    [{ alwaysInjectSelector: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] }, /^injection\.alwaysInjectSelector\[0\]\.matchExpressions\[0\]\.values: must be non-empty/],
    [{ policy: 'off' }, /^injection\.policy: expected one of enabled, disabled/],
    [{ excludeInboundPorts: 'a' }, /^injection\.excludeInboundPorts: expected a comma-separated list of ports/],
    [{ includeIPRanges: '10.0.0.0' }, /^injection\.includeIPRanges: expected a comma-separated list of CIDRs/],
    [{ readiness: { periodSeconds: 0 } }, /^injection\.readiness\.periodSeconds: expected an integer from 1/],
    [{ startupProbe: { enabld: true } }, /^injection\.startupProbe\.enabld: unknown key/],
    ['yes', /^injection: expected a map/],
  ];
  for (const [raw, message] of BAD) {
    test(`refuses ${JSON.stringify(raw)}`, () => {
      assert.throws(() => injection(raw), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});
