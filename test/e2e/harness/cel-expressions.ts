/**
 * Random CEL expressions over a Pod review, typed so that most of them evaluate to a value: ints, uints,
 * doubles, strings, bools, lists, maps, durations, timestamps and optionals, built from the standard
 * library, cel-go's strings and optional extensions and Kubernetes' libraries (lists, regex, URL, IP,
 * CIDR, quantity, semver), and written as a string-valued messageExpression. Used by
 * scenarios/cel-random-parity.ts, where kube-apiserver and ztgate evaluate the same ones. Two things
 * are left out on purpose: a timestamp written with a UTC offset (kube-apiserver keeps the offset in
 * string(), ztgate writes UTC, docs/rules.md) and cel-go's lists extension (kube-apiserver 1.34 refuses
 * it in new policies). Map iteration is never shown, since its order is not defined in Go.
 */
import fc from 'fast-check';

/** One arbitrary per CEL type. */
type K = 'i' | 'u' | 'd' | 's' | 'b' | 'li' | 'ls' | 'm' | 'ms' | 'dur' | 'ts' | 'o';
const typed = fc.letrec<Record<K, string>>((tie) => {
  const [i, u, d, s, b, li, ls, m, ms, dur, ts, o] = (['i', 'u', 'd', 's', 'b', 'li', 'ls', 'm', 'ms', 'dur', 'ts', 'o'] as K[]).map((k) => tie(k) as fc.Arbitrary<string>);
  const cfg = { depthSize: 'xsmall', maxDepth: 3, withCrossShrink: true } as const;
  const bin = (a: fc.Arbitrary<string>, ops: string[], c: fc.Arbitrary<string> = a) => fc.tuple(a, fc.constantFrom(...ops), c).map(([x, op, y]) => `(${x} ${op} ${y})`);
  const cond = (a: fc.Arbitrary<string>) => fc.tuple(b!, a, a).map(([c, x, y]) => `(${c} ? ${x} : ${y})`);
  const call = (a: fc.Arbitrary<string>, f: (x: string) => string) => a.map(f);
  const call2 = (a: fc.Arbitrary<string>, c: fc.Arbitrary<string>, f: (x: string, y: string) => string) => fc.tuple(a, c).map(([x, y]) => f(x, y));
  return {
    i: fc.oneof(cfg,
      fc.constantFrom('0', '1', '-2', '7', '9223372036854775807', '-9223372036854775808', 'object.spec.containers.size()', 'size(object.metadata.name)', 'object.spec.terminationGracePeriodSeconds'),
      bin(i!, ['+', '-', '*', '/', '%']), call(i!, (x) => `-${x}`), call(s!, (x) => `size(${x})`), call(li!, (x) => `${x}.size()`), call(li!, (x) => `${x}.sum()`),
      call(li!, (x) => `${x}.min()`), call(li!, (x) => `${x}.max()`), call2(li!, i!, (l, k) => `${l}[${k}]`), call2(li!, i!, (l, k) => `${l}.indexOf(${k})`), call(d!, (x) => `int(${x})`), call(u!, (x) => `int(${x})`),
      call(s!, (x) => `int(${x})`), call2(s!, s!, (x, y) => `${x}.indexOf(${y})`), call2(s!, s!, (x, y) => `${x}.lastIndexOf(${y})`), call(dur!, (x) => `${x}.getSeconds()`), call(dur!, (x) => `${x}.getMilliseconds()`),
      call(ts!, (x) => `${x}.getFullYear()`), call(ts!, (x) => `${x}.getDayOfYear()`), call(ts!, (x) => `${x}.getHours('+05:30')`), call(ts!, (x) => `int(${x})`), call(dur!, (x) => `int(${x})`), cond(i!),
      call2(m!, s!, (mm, k) => `${mm}[?${k}].orValue(0)`), call2(li!, i!, (l, k) => `(${l}.exists_one(x, x == ${k}) ? 1 : 0)`), call(o!, (x) => `${x}.orValue(3)`),
      call(s!, (x) => `ip(${x}).family()`), call(s!, (x) => `cidr(${x}).prefixLength()`), call(s!, (x) => `semver(${x}).major()`), call(s!, (x) => `quantity(${x}).asInteger()`), call(s!, (x) => `quantity(${x}).sign()`),
      call2(s!, s!, (x, y) => `quantity(${x}).compareTo(quantity(${y}))`), call(s!, (x) => `url(${x}).getPort().size()`)),
    u: fc.oneof(cfg, fc.constantFrom('0u', '1u', '18446744073709551615u'), bin(u!, ['+', '-', '*', '/', '%']), call(i!, (x) => `uint(${x})`), call(d!, (x) => `uint(${x})`), call(s!, (x) => `uint(${x})`), cond(u!)),
    d: fc.oneof(cfg, fc.constantFrom('0.0', '-0.0', '2.5', '1e300', '1e-300', '0.1'), bin(d!, ['+', '-', '*', '/']), call(i!, (x) => `double(${x})`), call(u!, (x) => `double(${x})`),
      call(s!, (x) => `double(${x})`), call(d!, (x) => `-${x}`), cond(d!), call(s!, (x) => `quantity(${x}).asApproximateFloat()`)),
    s: fc.oneof(cfg,
      fc.constantFrom("''", "'app'", "'a,b'", "' x '", "'1.5'", "'0x10'", "'-7'", "'true'", "'1e3'", "'1Gi'", "'1500m'", "'inf'", "'1_0'", "'héllo'", "'2020-01-01T00:00:00Z'", "'90s'", "'1.2.3'", "'v1.2'",
        "'10.0.0.1'", "'10.0.0.0/8'", "'::1'", "'https://example.com:8443/a?b=c'", "'%d'", 'object.metadata.name', "object.metadata.labels['app']", 'request.userInfo.username', 'request.operation', 'object.spec.containers[0].image', 'object.metadata.namespace'),
      bin(s!, ['+']), call(i!, (x) => `string(${x})`), call(u!, (x) => `string(${x})`), call(d!, (x) => `string(${x})`), call(b!, (x) => `string(${x})`), call(dur!, (x) => `string(${x})`), call(ts!, (x) => `string(${x})`),
      call(s!, (x) => `${x}.lowerAscii()`), call(s!, (x) => `${x}.upperAscii()`), call(s!, (x) => `${x}.trim()`), call2(s!, i!, (x, k) => `${x}.substring(${k})`), fc.tuple(s!, i!, i!).map(([x, k, l]) => `${x}.substring(${k}, ${l})`),
      fc.tuple(s!, s!, s!).map(([x, y, z]) => `${x}.replace(${y}, ${z})`), fc.tuple(s!, s!, s!, i!).map(([x, y, z, n]) => `${x}.replace(${y}, ${z}, ${n})`), call2(s!, i!, (x, k) => `${x}.charAt(${k})`),
      call2(ls!, s!, (l, sep) => `${l}.join(${sep})`), call(ls!, (l) => `${l}.join()`), call(s!, (x) => `strings.quote(${x})`), cond(s!), call2(ls!, i!, (l, k) => `${l}[${k}]`),
      call2(ms!, s!, (mm, k) => `${mm}[?${k}].orValue('none')`), call2(s!, i!, (f, k) => `'%d-%s'.format([${k}, ${f}])`), call(d!, (x) => `'%.2f'.format([${x}])`), call(d!, (x) => `'%e'.format([${x}])`),
      call(i!, (x) => `'%x|%o|%b'.format([${x}, ${x}, ${x}])`), call(li!, (x) => `'%s'.format([${x}])`), call(ls!, (x) => `'%s'.format([${x}])`), call(s!, (x) => `'%X'.format([${x}])`), call(b!, (x) => `'%s'.format([${x}])`),
      call(d!, (x) => `'%s'.format([${x}])`), call(ts!, (x) => `'%s'.format([${x}])`), call(dur!, (x) => `'%s'.format([${x}])`), call(u!, (x) => `'%d'.format([${x}])`),
      call(s!, (x) => `string(ip(${x}))`), call(s!, (x) => `string(cidr(${x}).ip())`), call(s!, (x) => `cidr(${x}).masked().ip().family() == 4 ? 'v4' : 'v6'`), call(s!, (x) => `url(${x}).getHostname()`), call(s!, (x) => `url(${x}).getEscapedPath()`),
      call(s!, (x) => `url(${x}).getScheme()`), call(s!, (x) => `url(${x}).getQuery().size() > 0 ? 'q' : 'noq'`), call(s!, (x) => `string(semver(${x}, true).minor())`), call2(s!, s!, (x, y) => `${x}.split(${y}).size() > 1 ? ${x}.split(${y})[1] : ''`)),
    b: fc.oneof(cfg, fc.constantFrom('true', 'false', 'request.dryRun', 'has(object.metadata.labels)', 'has(object.spec.hostNetwork)'), bin(i!, ['==', '!=', '<', '<=', '>', '>=']), bin(s!, ['==', '!=', '<', '>=']),
      bin(d!, ['<', '==', '>=']), bin(u!, ['<', '==']), bin(i!, ['<', '==', '>'], d!), bin(i!, ['<', '=='], u!), bin(u!, ['<=', '!='], d!), bin(b!, ['&&', '||']), call(b!, (x) => `!${x}`),
      call2(s!, s!, (x, y) => `${x}.startsWith(${y})`), call2(s!, s!, (x, y) => `${x}.endsWith(${y})`), call2(s!, s!, (x, y) => `${x}.contains(${y})`),
      call2(s!, ls!, (x, l) => `${x} in ${l}`), call2(i!, li!, (x, l) => `${x} in ${l}`), call2(s!, m!, (x, mm) => `${x} in ${mm}`), call2(s!, ms!, (x, mm) => `${x} in ${mm}`),
      call2(li!, i!, (l, k) => `${l}.all(x, x != ${k})`), call2(li!, i!, (l, k) => `${l}.exists(x, x > ${k})`), call2(li!, i!, (l, k) => `${l}.exists_one(x, x % 2 == ${k})`),
      call2(ls!, s!, (l, k) => `${l}.all(c, c.startsWith(${k}))`), call2(ls!, i!, (l, k) => `${l}.exists(c, size(c) == ${k})`), call2(m!, i!, (mm, k) => `${mm}.all(k, ${mm}[k] < ${k})`),
      call(s!, (x) => `${x}.matches('^[a-z]+$')`), call2(s!, s!, (x, y) => `${x}.matches(${y})`), call2(li!, li!, (x, y) => `sets.contains(${x}, ${y})`), call2(ls!, ls!, (x, y) => `sets.intersects(${x}, ${y})`),
      call2(li!, li!, (x, y) => `sets.equivalent(${x}, ${y})`), call(li!, (l) => `${l}.isSorted()`), call(o!, (x) => `${x}.hasValue()`), call(s!, (x) => `isQuantity(${x})`), call(s!, (x) => `isIP(${x})`), call(s!, (x) => `isCIDR(${x})`),
      call(s!, (x) => `isURL(${x})`), call(s!, (x) => `isSemver(${x})`), call(s!, (x) => `bool(${x})`), cond(b!), bin(dur!, ['<', '==']), bin(ts!, ['<', '>=']), bin(li!, ['==', '!=']), bin(m!, ['==']), bin(ls!, ['==']), bin(ms!, ['!=']),
      call(s!, (x) => `ip(${x}).isLoopback()`), call(s!, (x) => `ip.isCanonical(${x})`), call2(s!, s!, (x, y) => `cidr(${x}).containsIP(${y})`), call2(s!, s!, (x, y) => `cidr(${x}).containsCIDR(${y})`),
      call2(s!, s!, (x, y) => `quantity(${x}).isGreaterThan(quantity(${y}))`), call2(s!, s!, (x, y) => `semver(${x}).isLessThan(semver(${y}))`), call(s!, (x) => `quantity(${x}).isInteger()`), call2(s!, s!, (x, y) => `ip(${x}) == ip(${y})`)),
    li: fc.oneof(cfg, fc.constantFrom('[]', '[3, 1, 2]', '[1, 1]'), call2(i!, i!, (x, y) => `[${x}, ${y}]`), bin(li!, ['+']), call2(li!, i!, (l, e) => `${l}.map(x, x * ${e})`), call2(li!, i!, (l, e) => `${l}.filter(x, x > ${e})`),
      fc.tuple(li!, i!, i!).map(([l, p, e]) => `${l}.map(x, x != ${p}, x + ${e})`), call(ls!, (l) => `${l}.map(c, size(c))`), cond(li!), call2(li!, i!, (l, k) => `optional.of(${l}).optMap(l, l + [${k}]).value()`)),
    ls: fc.oneof(cfg, fc.constantFrom('[]', "['b', 'a']", 'request.userInfo.groups', 'object.spec.containers.map(c, c.name)'), call2(s!, s!, (x, y) => `[${x}, ${y}]`),
      call2(s!, s!, (x, sep) => `${x}.split(${sep})`), fc.tuple(s!, s!, i!).map(([x, sep, n]) => `${x}.split(${sep}, ${n})`), call2(ls!, s!, (l, e) => `${l}.map(c, c + ${e})`),
      call2(ls!, s!, (l, p) => `${l}.filter(c, c.contains(${p}))`), call(li!, (l) => `${l}.map(x, string(x))`), cond(ls!), bin(ls!, ['+'])),
    m: fc.oneof(cfg, fc.constantFrom('{}', "{'app': 1}"), call2(s!, i!, (k, v) => `{${k}: ${v}}`), fc.tuple(s!, i!, s!, i!).map(([k1, v1, k2, v2]) => `{${k1}: ${v1}, ${k2}: ${v2}}`), cond(m!)),
    ms: fc.oneof(cfg, fc.constantFrom('object.metadata.labels', 'object.metadata.annotations', "{'app': 'web'}"), call2(s!, s!, (k, v) => `{${k}: ${v}}`), cond(ms!)),
    dur: fc.oneof(cfg, fc.constantFrom("duration('90s')", "duration('1h30m')", "duration('-1.5s')", "duration('0s')", "duration('1ms')"), call(s!, (x) => `duration(${x})`), bin(dur!, ['+', '-']), call2(ts!, ts!, (x, y) => `(${x} - ${y})`)),
    ts: fc.oneof(cfg, fc.constantFrom("timestamp('2020-01-01T00:00:00Z')", "timestamp('2024-02-29T12:30:45.5Z')"), call(s!, (x) => `timestamp(${x})`), call(i!, (x) => `timestamp(${x})`),
      call2(ts!, dur!, (x, y) => `(${x} + ${y})`), call2(ts!, dur!, (x, y) => `(${x} - ${y})`)),
    o: fc.oneof(cfg, fc.constantFrom('optional.none()', 'object.spec.?terminationGracePeriodSeconds', 'object.spec.?activeDeadlineSeconds'), call(i!, (x) => `optional.of(${x})`), call(i!, (x) => `optional.ofNonZeroValue(${x})`),
      call2(li!, i!, (l, k) => `${l}[?${k}]`), call2(o!, o!, (x, y) => `${x}.or(${y})`), call2(o!, i!, (x, e) => `${x}.optMap(n, n + ${e})`), call(li!, (l) => `${l}.first()`), call(li!, (l) => `${l}.last()`)),
  };
});

/** A random expression of some type, as a string-valued messageExpression. */
export const stringExpression = fc.oneof(
  typed.i.map((x) => `string(${x})`), typed.u.map((x) => `string(${x})`), typed.d.map((x) => `string(${x})`), typed.s.map((x) => `(${x})`), typed.b.map((x) => `((${x}) ? 'T' : 'F')`),
  typed.li.map((x) => `'[' + (${x}).map(v, string(v)).join(',') + ']'`), typed.ls.map((x) => `'[' + (${x}).join(',') + ']'`), typed.m.map((x) => `string(size(${x}))`), typed.ms.map((x) => `string(size(${x}))`),
  typed.dur.map((x) => `string(${x})`), typed.ts.map((x) => `string(${x})`), typed.o.map((x) => `((${x}).hasValue() ? 'some ' + string((${x}).value()) : 'none')`),
);

/** The same `count` expressions for the same seed, on every run. */
export function randomExpressions(seed: number, count: number): string[] {
  return fc.sample(stringExpression, { numRuns: count, seed });
}
