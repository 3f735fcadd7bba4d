import type { JsonObject } from '../../src/util/json.js';
import { configWithRules, contextFor, requestFor } from './support.js';

/**
 * The review the expression tables run against (an UPDATE of a Deployment in a protected namespace,
 * with params and variables) and the table itself, shared by expressions.test.ts, which checks each
 * answer, and fast.test.ts, which checks that the compiled form answers as the library does.
 */

export const deployment: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    creationTimestamp: '2026-01-10T08:00:00Z',
    labels: { app: 'web', team: 'payments' },
  },
  spec: {
    replicas: 3,
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        serviceAccountName: 'web',
        containers: [
          {
            name: 'app',
            image: 'registry.example.com/shop/web:1.4.2',
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: '500m', memory: '256Mi' } },
          },
          { name: 'sidecar', image: 'docker.io/library/nginx:latest', ports: [{ containerPort: 80 }, { containerPort: 443 }] },
        ],
      },
    },
  },
};
export const oldDeployment: JsonObject = { ...deployment, spec: { ...(deployment['spec'] as JsonObject), replicas: 2 } };
export const namespaceObject: JsonObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'ztgate.io/protected': 'true' } } };
export const params = { allowedRegistries: ['registry.example.com', 'ghcr.io/acme'], maxReplicas: 5, ratio: 0.5 };
export const variables = [
  { name: 'images', expression: 'object.spec.template.spec.containers.map(c, c.image)' },
  { name: 'sidecars', expression: "variables.images.filter(i, i.contains('nginx'))" },
];

export const config = configWithRules([{ name: 'sample', match: { kinds: ['*'] }, params, variables, validations: [{ expression: 'true' }] }]);
export const request = requestFor(deployment, { operation: 'UPDATE', oldObject: oldDeployment });
export const ctx = contextFor(request, config, namespaceObject);
export const rule = config.rules.rules[0]!;

export type Case =
  | { expr: string; value: unknown }
  | { expr: string; error: RegExp }
  | { expr: string; loadError: RegExp };

export const containers = 'object.spec.template.spec.containers';

export const CASES: Record<string, Case[]> = {
  'variables and int arithmetic on JSON numbers': [
    { expr: 'object.metadata.name', value: 'web' },
    { expr: 'object.spec.replicas + 1', value: 4n },
    { expr: 'object.spec.replicas * 2 - oldObject.spec.replicas', value: 4n },
    { expr: 'object.spec.replicas / 2', value: 1n },
    { expr: 'object.spec.replicas % 2', value: 1n },
    { expr: 'type(object.spec.replicas) == int', value: true },
    { expr: 'params.ratio * 2.0', value: 1 },
    { expr: 'double(object.spec.replicas) + params.ratio', value: 3.5 },
    { expr: 'object.spec.replicas <= params.maxReplicas', value: true },
    { expr: 'object.spec.replicas + params.ratio', error: /no matching overload for '_\+_' applied to '\(int, double\)'/ },
    { expr: 'request.operation', value: 'UPDATE' },
    { expr: 'request.userInfo.username', value: 'alice@example.com' },
    { expr: "'dev' in request.userInfo.groups", value: true },
    { expr: 'request.kind.kind + "/" + request.resource.resource', value: 'Deployment/deployments' },
    { expr: 'request.namespace', value: 'shop' },
    { expr: 'request.subResource', value: '' },
    { expr: 'request.dryRun', value: false },
    { expr: "namespaceObject.metadata.labels['ztgate.io/protected'] == 'true'", value: true },
    { expr: 'params.allowedRegistries.size()', value: 2n },
    { expr: 'variables.images.size()', value: 2n },
    { expr: 'variables.sidecars', value: ['docker.io/library/nginx:latest'] },
    { expr: "variables['images'][0]", value: 'registry.example.com/shop/web:1.4.2' },
    { expr: 'has(variables.images)', value: true },
    { expr: "timestamp(object.metadata.creationTimestamp) < timestamp('2030-01-01T00:00:00Z')", value: true },
    { expr: "duration('1h30m').getMinutes()", value: 90n },
  ],
  'has() guards and missing fields': [
    { expr: 'has(object.metadata.labels)', value: true },
    { expr: 'has(object.spec.paused)', value: false },
    { expr: "has(object.metadata.labels.team) && object.metadata.labels.team == 'payments'", value: true },
    { expr: 'has(object.status) && object.status.ready', value: false },
    { expr: 'object.status.ready', error: /status/ },
    { expr: 'object.metadata.labels.owner', error: /owner/ },
    { expr: `${containers}.all(c, has(c.resources) && has(c.resources.limits))`, value: false },
    { expr: `${containers}.exists(c, !has(c.resources))`, value: true },
    { expr: "'team' in object.metadata.labels", value: true },
  ],
  // CEL's optional syntax, as ValidatingAdmissionPolicy accepts it (facts from cel-spec's optionals tests).
  'optional syntax': [
    { expr: "object.metadata.?labels.?team.orValue('none')", value: 'payments' },
    { expr: "object.metadata.?labels.?owner.orValue('none')", value: 'none' },
    { expr: 'object.spec.?template.?spec.?hostNetwork.orValue(false)', value: false },
    { expr: 'object.?status.hasValue()', value: false },
    { expr: "object.?status.ready.orValue(true)", value: true },
    { expr: "object.metadata.?annotations.owner.orValue('') == ''", value: true },
    { expr: "object.metadata.labels[?'team'].value()", value: 'payments' },
    { expr: "object.metadata.labels[?'owner'].hasValue()", value: false },
    { expr: `${containers}[?1].value().name`, value: 'sidecar' },
    { expr: `${containers}[?2].hasValue()`, value: false },
    { expr: `${containers}[?-1].hasValue()`, value: false },
    { expr: 'object.spec.template.spec.?containers[0].?name.value()', value: 'app' },
    { expr: `${containers}.all(c, c.?securityContext.?privileged.orValue(false) == false)`, value: true },
    { expr: `${containers}.filter(c, c.?resources.?limits.?cpu.hasValue()).map(c, c.name)`, value: ['app'] },
    { expr: 'has(object.metadata.?labels.team)', value: true },
    { expr: 'has(object.?status.ready)', value: false },
    { expr: "{'k': null}.?k.hasValue()", value: true },
    { expr: "{'k': null}[?'k'].hasValue()", value: true },
    { expr: "{}.?k.absent.hasValue()", value: false },
    { expr: "{1u: 'a', 2: 'b'}[?2u].value()", value: 'b' },
    { expr: "{1u: 'a', 2: 'b'}[?1.0].value()", value: 'a' },
    { expr: '[][?0].hasValue()', value: false },
    { expr: "optional.of({'c': {}}).c.missing.orValue('d')", value: 'd' },
    { expr: "optional.of({'c': {'i': 'x'}}).c['i'].orValue('d')", value: 'x' },
    { expr: "(object.spec.replicas > 1 ? optional.of({'a': 1}) : optional.none()).a.value()", value: 1n },
    { expr: 'optional.none().or(optional.of(2)).value()', value: 2n },
    { expr: 'optional.of(1).or(optional.of(2)).value()', value: 1n },
    { expr: 'optional.none().?x[?0].hasValue()', value: false },
    { expr: "'a.?b' + r'[?c]' + '''{?d}'''", value: 'a.?b[?c]{?d}' },
    { expr: "object.metadata.?labels[?'team'].orValue('') // what's c.?d", value: 'payments' },
    { expr: "true // a comment ends the expression", value: true },
    { expr: 'object.metadata.?name.?first', error: /no such key: first \(a string has no fields\)/ },
    { expr: 'object.metadata.?labels.app.nope', error: /no such key: nope/ },
    { expr: "object.spec[?'template'].spec.containers[?0.5]", error: /a list index must be an integer, got double/ },
    { expr: 'optional.none().or(1)', error: /expected optional, got int/ },
    { expr: 'has(object.metadata.?labels)', loadError: /line 1, column 21: optional selection \.\? cannot be used here; has\(\) tests presence itself/ },
    { expr: '[?object.spec]', loadError: /line 1, column 2: optional entries in list and map literals/ },
    { expr: "{'a': 1, ?'b': object.?spec}", loadError: /line 1, column 10: optional entries in list and map literals/ },
    { expr: "{'a': 1}.?b.?c.x", value: { '@optional': 'none' } },
    { expr: '1.?x', loadError: /line 1, column 2: no such key: x \(a int has no fields\)/ },
    { expr: 'variables.?missing', loadError: /undeclared reference to 'variables.missing'/ },
    { expr: 'request.?nope', loadError: /request has no field 'nope'/ },
  ],
  macros: [
    { expr: `${containers}.map(c, c.name)`, value: ['app', 'sidecar'] },
    { expr: `${containers}.filter(c, c.image.endsWith(':latest')).map(c, c.name)`, value: ['sidecar'] },
    { expr: `${containers}.exists_one(c, c.name == 'app')`, value: true },
    { expr: `${containers}.map(c, c.ports.size()).sum()`, value: 3n },
    { expr: `${containers}.all(c, c.ports.all(p, p.containerPort > 0))`, value: true },
    { expr: 'object.metadata.labels.all(k, k.size() < 10)', value: true },
  ],
  'strings extensions': [
    { expr: 'object.metadata.name.upperAscii()', value: 'WEB' },
    { expr: "'a,b,c'.split(',')", value: ['a', 'b', 'c'] },
    { expr: 'variables.images[0].substring(0, 20)', value: 'registry.example.com' },
    { expr: "variables.images[0].indexOf('/')", value: 20n },
    { expr: "variables.images[0].lastIndexOf(':')", value: 29n },
    { expr: "['a', 'b'].join('-')", value: 'a-b' },
    { expr: "'  x '.trim()", value: 'x' },
    { expr: "'%s has %d replicas'.format([object.metadata.name, object.spec.replicas])", value: 'web has 3 replicas' },
    { expr: "'aXbXc'.replace('X', '-')", value: 'a-b-c' },
    { expr: `strings.quote('a"b')`, value: '"a\\"b"' },
  ],
  regex: [
    { expr: "variables.images[0].matches('^registry\\\\.example\\\\.com/')", value: true },
    { expr: "matches('abc', 'b')", value: true },
    { expr: 'object.metadata.name.matches(object.metadata.labels.app)', value: true },
    { expr: "'image:v1.2.3'.find('v[0-9]+\\\\.[0-9]+')", value: 'v1.2' },
    { expr: "'abc'.find('x')", value: '' },
    { expr: "'a1b22c333'.findAll('[0-9]+')", value: ['1', '22', '333'] },
    { expr: "'a1b22c333'.findAll('[0-9]+', 2)", value: ['1', '22'] },
    { expr: "'abc'.matches('[')", loadError: /line 1, column \d+: invalid regular expression "\["/ },
    { expr: "object.metadata.name.matches('(' + object.metadata.name)", error: /invalid regular expression/ },
  ],
  lists: [
    { expr: '[3, 1, 2].max()', value: 3n },
    { expr: '[3, 1, 2].min()', value: 1n },
    { expr: '[1, 2, 2, 3].isSorted()', value: true },
    { expr: "['b', 'a'].isSorted()", value: false },
    { expr: '[1.5, 2.5].sum()', value: 4 },
    { expr: "['a', 'b', 'a'].lastIndexOf('a')", value: 2n },
    { expr: '[1, 2].indexOf(3)', value: -1n },
    { expr: 'variables.sidecars.filter(s, false).max()', error: /empty list/ },
    { expr: '[].max()', loadError: /empty list/ },
    { expr: "sets.contains(params.allowedRegistries, ['ghcr.io/acme'])", value: true },
    { expr: 'sets.intersects([1, 2], [3, 4])', value: false },
    { expr: 'sets.equivalent([1, 2, 2], [2, 1])', value: true },
  ],
  url: [
    { expr: "url('https://example.com:8443/api?x=1').getHost()", value: 'example.com:8443' },
    { expr: "url('https://[::1]:80/').getHostname()", value: '::1' },
    { expr: "url('https://example.com/a%20b').getEscapedPath()", value: '/a%20b' },
    { expr: "url('https://example.com/p?k=a&k=b&j=c').getQuery()", value: { k: ['a', 'b'], j: ['c'] } },
    { expr: "url('/healthz').getScheme()", value: '' },
    { expr: "url('https://example.com').getPort()", value: '' },
    { expr: "isURL('../relative')", value: false },
    { expr: "url('https://example.com:80:80/')", loadError: /invalid host/ },
  ],
  quantity: [
    { expr: `quantity(${containers}[0].resources.limits.memory).isLessThan(quantity('1Gi'))`, value: true },
    { expr: "quantity('200M').compareTo(quantity('0.2G'))", value: 0n },
    { expr: "quantity('50M').compareTo(quantity('50Mi'))", value: -1n },
    { expr: "quantity('50k').add(20).asInteger()", value: 50020n },
    { expr: "quantity('50k').sub(quantity('20k')) == quantity('30k')", value: true },
    { expr: "quantity('500m').isInteger()", value: false },
    { expr: "quantity('1.5').asApproximateFloat()", value: 1.5 },
    { expr: "quantity('-2Ki').sign()", value: -1n },
    { expr: "isQuantity('200K')", value: false },
    { expr: "quantity(string(object.spec.replicas) + '999999999999999999999999999999999999G').asInteger()", error: /cannot convert value to integer/ },
    { expr: "quantity('9999999999999999999999999999999999999G').asInteger()", loadError: /cannot convert value to integer/ },
    { expr: "quantity('Mi')", loadError: /quantities must match/ },
  ],
  'ip and cidr': [
    { expr: "ip('192.168.0.1').family()", value: 4n },
    { expr: "ip('fe80::1').isLinkLocalUnicast()", value: true },
    { expr: "ip('127.0.0.1').isLoopback()", value: true },
    { expr: "ip('10.0.0.1').isGlobalUnicast()", value: true },
    { expr: "cidr('10.0.0.0/8').containsIP('10.1.2.3')", value: true },
    { expr: "cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))", value: false },
    { expr: "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", value: true },
    { expr: "string(cidr('192.168.1.7/24').masked())", value: '192.168.1.0/24' },
    { expr: "string(ip('2001:0DB8:0:0:0:0:0:1'))", value: '2001:db8::1' },
    { expr: "ip.isCanonical('2001:DB8::1')", value: false },
    { expr: "isIP('010.0.0.1')", value: false },
    { expr: "cidr('fd00::/8').prefixLength()", value: 8n },
    { expr: "ip('1.2.3.4') == ip('1.2.3.4')", value: true },
  ],
  format: [
    { expr: "format.dns1123Label().validate('web-1').hasValue()", value: false },
    { expr: "format.dns1123Label().validate('Web_1').hasValue()", value: true },
    { expr: "format.named('labelValue').value().validate('ok.value').hasValue()", value: false },
    { expr: "format.named('nope').hasValue()", value: false },
    { expr: "format.dns1123SubdomainPrefix().validate('web-').orValue([]).size()", value: 0n },
  ],
  'errors at evaluation': [
    { expr: '1 / (object.spec.replicas - 3)', error: /divide by zero/ },
    { expr: "object.spec.replicas + 'x'", error: /no matching overload/ },
    { expr: "params.unknownParam == 'x'", error: /unknownParam/ },
    { expr: 'object.metadata.name.size() > object.spec', error: /no matching overload/ },
  ],
  'errors at load': [
    { expr: 'undeclared.x', loadError: /line 1, column 1: undeclared reference to 'undeclared'/ },
    { expr: 'objct.metadata', loadError: /did you mean 'object'/ },
    { expr: 'unknownFn(1)', loadError: /undeclared reference to function 'unknownFn'/ },
    { expr: 'object.metadata.name.frobnicate()', loadError: /function 'frobnicate'/ },
    { expr: 'variables.missing', loadError: /undeclared reference to 'variables.missing'/ },
    { expr: 'request.nope', loadError: /request has no field 'nope'/ },
    { expr: 'authorizer.requestResource', loadError: /authorizer/ },
    { expr: '1 +', loadError: /line 1, column 3: syntax error/ },
    { expr: "int('1') / 0", loadError: /divide by zero/ },
  ],
};
