import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/parse.js';
import { basePod, review, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const annotation = (key: string) => `metadata.annotations[${key}]`;
const annotated = (values: Record<string, string>) =>
  withFields(basePod(), Object.fromEntries(Object.entries(values).map(([key, value]) => [annotation(key), value])));
const T = 'traffic.sidecar.istio.io/';

invariantTables('ZT-POD-005', {
  violating: [
    { name: 'excluded outbound IP ranges', object: annotated({ [`${T}excludeOutboundIPRanges`]: '10.0.0.0/8' }), paths: [annotation(`${T}excludeOutboundIPRanges`)] },
    { name: 'excluded outbound ports', object: annotated({ [`${T}excludeOutboundPorts`]: '5432' }), paths: [annotation(`${T}excludeOutboundPorts`)] },
    { name: 'excluded inbound ports', object: annotated({ [`${T}excludeInboundPorts`]: '15000' }), paths: [annotation(`${T}excludeInboundPorts`)] },
    { name: 'excluded interfaces', object: annotated({ [`${T}excludeInterfaces`]: 'eth1' }), paths: [annotation(`${T}excludeInterfaces`)] },
    {
      name: 'outbound IP ranges narrower than *',
      object: annotated({ [`${T}includeOutboundIPRanges`]: '10.96.0.0/12' }),
      paths: [annotation(`${T}includeOutboundIPRanges`)],
    },
    { name: 'no inbound port redirected', object: annotated({ [`${T}includeInboundPorts`]: '' }), paths: [annotation(`${T}includeInboundPorts`)] },
    { name: 'interception turned off, any case', object: annotated({ 'sidecar.istio.io/interceptionMode': 'none' }), paths: [annotation('sidecar.istio.io/interceptionMode')] },
  ],
  conforming: [
    { name: 'no annotations', object: basePod() },
    { name: 'wildcard includes', object: annotated({ [`${T}includeOutboundIPRanges`]: '*', [`${T}includeInboundPorts`]: ' * ' }) },
    { name: 'empty excludes', object: annotated({ [`${T}excludeOutboundPorts`]: '', [`${T}excludeOutboundIPRanges`]: '' }) },
    { name: 'another interception mode', object: annotated({ 'sidecar.istio.io/interceptionMode': 'REDIRECT' }) },
    { name: 'unrelated sidecar annotations', object: annotated({ 'sidecar.istio.io/proxyCPU': '100m', [`${T}kubevirtInterfaces`]: '' }) },
  ],
  controllers: [
    { name: 'excluded outbound ports', object: annotated({ [`${T}excludeOutboundPorts`]: '7,8,9' }), path: annotation(`${T}excludeOutboundPorts`) },
  ],
});

describe('ZT-POD-005 exceptions are per namespace', () => {
  const config = parseConfig(
    {
      exceptions: [
        { name: 'legacy-db', invariants: ['ZT-POD-005'], namespaces: ['legacy'], reason: 'the database is outside the mesh until Q3' },
      ],
    },
    'test',
  );
  const pod = annotated({ [`${T}excludeOutboundPorts`]: '5432' });

  test('the named namespace may exclude traffic, with an audit trail', () => {
    const verdict = review(pod, { config, namespace: 'legacy' });
    assert.equal(verdict.allowed, true);
    assert.equal(verdict.auditAnnotations['exception-ZT-POD-005'], 'legacy-db: the database is outside the mesh until Q3');
  });

  test('every other namespace may not', () => {
    const verdict = review(pod, { config, namespace: 'shop' });
    assert.equal(verdict.allowed, false);
    assert.deepEqual(verdict.auditAnnotations, {});
  });
});
