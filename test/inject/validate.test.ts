import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { annotationProblems, AnnotationError, validateAnnotations } from '../../src/inject/validate.js';

const VALID: Record<string, string[]> = {
  'traffic.sidecar.istio.io/includeOutboundIPRanges': ['*', '', '10.0.0.0/8', '10.0.0.0/8,192.168.0.0/16', 'fd00::/8', '0.0.0.0/0'],
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': ['', '10.96.0.1/32', '::1/128'],
  'traffic.sidecar.istio.io/includeInboundPorts': ['*', '', '80', '80,443', ' 80 , 443 '],
  'traffic.sidecar.istio.io/excludeInboundPorts': ['', '0', '65535', '1,2,3'],
  'traffic.sidecar.istio.io/excludeOutboundPorts': ['5432', ''],
  'traffic.sidecar.istio.io/includeOutboundPorts': ['443'],
  'status.sidecar.istio.io/port': ['0', '15020', ' 123 '],
  'readiness.status.sidecar.istio.io/periodSeconds': ['0', '10', '4294967295'],
  'sidecar.istio.io/interceptionMode': ['REDIRECT', 'TPROXY', 'NONE'],
  'prometheus.istio.io/merge-metrics': ['true', 'False', '1', 't'],
  'proxy.istio.io/config': ['concurrency: 2', '{}', 'proxyMetadata:\n  A: "1"', 'holdApplicationUntilProxyStarts: true'],
  'sidecar.istio.io/proxyCPU': ['100m', '2'],
  'sidecar.istio.io/userVolume': ['{"a":{"emptyDir":{}}}', '{}'],
  'proxy.istio.io/overrides': ['{"containers":[{"name":"istio-proxy"}]}', '{}'],
};

const INVALID: Record<string, string[]> = {
  'traffic.sidecar.istio.io/includeOutboundIPRanges': ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/8,', 'x/8', '300.0.0.0/8', '10.0.0.0/08', '*,10.0.0.0/8'],
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': ['*', '::1/129', 'fe80::1%eth0/64'],
  'traffic.sidecar.istio.io/includeInboundPorts': ['http', '80,', '65536', '-1'],
  'traffic.sidecar.istio.io/excludeInboundPorts': ['*', 'bad'],
  'traffic.sidecar.istio.io/excludeOutboundPorts': ['bad', '1,,2'],
  'traffic.sidecar.istio.io/includeOutboundPorts': ['https'],
  'status.sidecar.istio.io/port': ['', 'x', '70000'],
  'readiness.status.sidecar.istio.io/initialDelaySeconds': ['-1', '1.5', ' 1', '4294967296'],
  'readiness.status.sidecar.istio.io/failureThreshold': ['many'],
  'sidecar.istio.io/interceptionMode': ['redirect', ''],
  'prometheus.istio.io/merge-metrics': ['yes', ''],
  'proxy.istio.io/config': ['concurrency: many', '- a', 'drainDuration: 1m', 'proxyMetadata:\n  A: 1', 'interceptionMode: BAD', 'statusPort: 70000', 'a: [', 'holdApplicationUntilProxyStarts: "yes"'],
  'sidecar.istio.io/proxyMemoryLimit': ['1GB', 'lots'],
  'sidecar.istio.io/userVolumeMount': ['[]', '{"a":1}', 'not json'],
  'proxy.istio.io/overrides': ['[]', '{"containers":[{"image":"x"}]}', '{'],
};

describe('annotation validation', () => {
  for (const [name, values] of Object.entries(VALID)) {
    for (const value of values) {
      test(`accepts ${name}=${JSON.stringify(value)}`, () => assert.deepEqual(annotationProblems({ [name]: value }), []));
    }
  }
  for (const [name, values] of Object.entries(INVALID)) {
    for (const value of values) {
      test(`refuses ${name}=${JSON.stringify(value)}`, () => {
        const problems = annotationProblems({ [name]: value });
        assert.equal(problems.length, 1);
        assert.equal(problems[0]!.annotation, name);
      });
    }
  }

  test('annotations it does not know are not its business', () => {
    assert.deepEqual(annotationProblems({ 'example.com/ports': 'bad', 'sidecar.istio.io/logLevel': 'anything' }), []);
  });

  test('every problem is named, sorted, in one error', () => {
    assert.throws(
      () => validateAnnotations({ 'status.sidecar.istio.io/port': 'x', 'traffic.sidecar.istio.io/excludeInboundPorts': 'y' }),
      (error: unknown) =>
        error instanceof AnnotationError &&
        /^annotation status\.sidecar\.istio\.io\/port="x" is invalid: .*; annotation traffic\.sidecar\.istio\.io\/excludeInboundPorts="y" is invalid/.test(error.message),
    );
  });
});
