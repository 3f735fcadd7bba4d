import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProxyConfig, proxyConfigJson, ProxyConfigError } from '../../src/inject/proxyconfig.js';

/** PROXY_CONFIG: only non-default fields, in ProxyConfig declaration order, protobuf JSON forms. */
const CASES: [string, string][] = [
  ['', '{}'],
  ['{}', '{}'],
  ['discoveryAddress: istiod.istio-system.svc:15012\nconcurrency: 2\ndrainDuration: 45s', '{}'],
  ['proxyMetadata:\n  B: "2"\n  A: "1"\nconcurrency: 0\ndiscoveryAddress: foo:123', '{"discoveryAddress":"foo:123","concurrency":0,"proxyMetadata":{"A":"1","B":"2"}}'],
  ['interceptionMode: REDIRECT', '{}'],
  ['interceptionMode: TPROXY', '{"interceptionMode":"TPROXY"}'],
  ['terminationDrainDuration: 1.5s', '{"terminationDrainDuration":"1.500s"}'],
  ['drainDuration: 30.000000001s', '{"drainDuration":"30.000000001s"}'],
  ['holdApplicationUntilProxyStarts: false', '{"holdApplicationUntilProxyStarts":false}'],
  ['statusPort: 0\nproxyMetadata: {}', '{}'],
  ['tracing:\n  zipkin:\n    address: zipkin.istio-system:9411', '{}'],
  ['tracing:\n  sampling: 10', '{"tracing":{"sampling":10}}'],
  ['image:\n  imageType: distroless', '{"image":{"imageType":"distroless"}}'],
];

describe('proxy.istio.io/config', () => {
  for (const [text, json] of CASES) {
    test(`${JSON.stringify(text)} → ${json}`, () => assert.equal(proxyConfigJson(parseProxyConfig(text)), json));
  }

  test('an absent annotation is the empty config', () => assert.equal(proxyConfigJson(parseProxyConfig(undefined)), '{}'));

  for (const [text, problem] of [
    ['concurrency: -1', /concurrency/],
    ['concurrency: 1.5', /concurrency/],
    ['drainDuration: 45', /drainDuration/],
    ['proxyMetadata: [a]', /proxyMetadata/],
    ['extraStatTags: a', /extraStatTags/],
    ['tracing: on', /tracing/],
  ] as const) {
    test(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseProxyConfig(text), (e: unknown) => e instanceof ProxyConfigError && problem.test(e.message)));
  }
});
