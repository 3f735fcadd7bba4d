import fc from 'fast-check';
import { containers } from './cases.js';

/**
 * Typed random expressions over the test review (cases.ts): each kind of value built from its own kind,
 * so that most evaluate to a value rather than an error; for the agreement test in fast.test.ts.
 */
const typed = fc.letrec<{ i: string; u: string; d: string; s: string; b: string; li: string; ls: string; m: string; dur: string; ts: string; o: string }>((tie) => {
  const i = tie('i') as fc.Arbitrary<string>;
  const u = tie('u') as fc.Arbitrary<string>;
  const d = tie('d') as fc.Arbitrary<string>;
  const s = tie('s') as fc.Arbitrary<string>;
  const b = tie('b') as fc.Arbitrary<string>;
  const li = tie('li') as fc.Arbitrary<string>;
  const ls = tie('ls') as fc.Arbitrary<string>;
  const m = tie('m') as fc.Arbitrary<string>;
  const dur = tie('dur') as fc.Arbitrary<string>;
  const ts = tie('ts') as fc.Arbitrary<string>;
  const o = tie('o') as fc.Arbitrary<string>;
  const cfg = { depthSize: 'small', maxDepth: 4, withCrossShrink: true } as const;
  const bin = (a: fc.Arbitrary<string>, ops: string[], c: fc.Arbitrary<string> = a) => fc.tuple(a, fc.constantFrom(...ops), c).map(([x, op, y]) => `(${x} ${op} ${y})`);
  const cond = <T extends string>(a: fc.Arbitrary<T>) => fc.tuple(b, a, a).map(([c, x, y]) => `(${c} ? ${x} : ${y})`);
  return {
    i: fc.oneof(cfg,
      fc.constantFrom('0', '1', '-2', '7', 'object.spec.replicas', 'oldObject.spec.replicas', 'params.maxReplicas', 'x', '9223372036854775807', '-9223372036854775808'),
      bin(i, ['+', '-', '*', '/', '%']), i.map((x) => `-${x}`), s.map((x) => `size(${x})`), li.map((x) => `${x}.size()`), li.map((x) => `${x}.sum()`),
      li.map((x) => `${x}.min()`), li.map((x) => `${x}.max()`), fc.tuple(li, i).map(([l, k]) => `${l}[${k}]`), d.map((x) => `int(${x})`), u.map((x) => `int(${x})`),
      s.map((x) => `int(${x})`), fc.tuple(s, s).map(([x, y]) => `${x}.indexOf(${y})`), fc.tuple(s, s).map(([x, y]) => `${x}.lastIndexOf(${y})`), dur.map((x) => `${x}.getSeconds()`),
      ts.map((x) => `${x}.getFullYear()`), ts.map((x) => `int(${x})`), dur.map((x) => `int(${x})`), cond(i), fc.tuple(m, s).map(([mm, k]) => `${mm}[?${k}].orValue(0)`),
      fc.tuple(li, i).map(([l, k]) => `(${l}.exists_one(x, x == ${k}) ? 1 : 0)`), o.map((x) => `${x}.orValue(3)`), fc.tuple(s, s).map(([x, y]) => `${x}.compareTo(${y})`)),
    u: fc.oneof(cfg, fc.constantFrom('0u', '1u', '18446744073709551615u'), bin(u, ['+', '-', '*', '/', '%']), i.map((x) => `uint(${x})`), d.map((x) => `uint(${x})`), s.map((x) => `uint(${x})`), cond(u)),
    d: fc.oneof(cfg, fc.constantFrom('0.0', '-0.0', '2.5', 'params.ratio', '1e300', '1e-300'), bin(d, ['+', '-', '*', '/']), i.map((x) => `double(${x})`), u.map((x) => `double(${x})`),
      s.map((x) => `double(${x})`), d.map((x) => `-${x}`), cond(d), fc.tuple(s).map(([x]) => `quantity(${x}).asApproximateFloat()`)),
    s: fc.oneof(cfg,
      fc.constantFrom("''", "'app'", "'a,b'", "' x '", "'1.5'", "'0x10'", "'-7'", "'true'", "'1e3'", "'1Gi'", "'inf'", "'1_0'", "'héllo'", 'object.metadata.name', "object.metadata.labels['app']", 'request.userInfo.username', 'request.operation', 'params.allowedRegistries[0]', 'c'),
      bin(s, ['+']), i.map((x) => `string(${x})`), u.map((x) => `string(${x})`), d.map((x) => `string(${x})`), b.map((x) => `string(${x})`), dur.map((x) => `string(${x})`), ts.map((x) => `string(${x})`),
      s.map((x) => `${x}.lowerAscii()`), s.map((x) => `${x}.upperAscii()`), s.map((x) => `${x}.trim()`), fc.tuple(s, i).map(([x, k]) => `${x}.substring(${k})`), fc.tuple(s, i, i).map(([x, k, l]) => `${x}.substring(${k}, ${l})`),
      fc.tuple(s, s, s).map(([x, y, z]) => `${x}.replace(${y}, ${z})`), fc.tuple(s, i).map(([x, k]) => `${x}.charAt(${k})`), fc.tuple(ls, s).map(([l, sep]) => `${l}.join(${sep})`), ls.map((l) => `${l}.join()`),
      s.map((x) => `strings.quote(${x})`), s.map((x) => `${x}.reverse()`), cond(s), fc.tuple(ls, i).map(([l, k]) => `${l}[${k}]`), fc.tuple(m, s).map(([mm, k]) => `${mm}.?${'app'}.orValue(${k})`),
      fc.tuple(s, li).map(([f, l]) => `'%d-%s'.format([${l}.size(), ${f}])`), s.map((x) => `(type(${x}) == string ? 'str' : 'other')`)),
    b: fc.oneof(cfg, fc.constantFrom('true', 'false', 'request.dryRun', 'object.spec.missing'), bin(i, ['==', '!=', '<', '<=', '>', '>=']), bin(s, ['==', '!=', '<', '>=']), bin(d, ['<', '==']), bin(u, ['<', '==']),
      bin(i, ['<', '==', '>'], d), bin(i, ['<', '=='], u), bin(b, ['&&', '||']), b.map((x) => `!${x}`), fc.tuple(s, s).map(([x, y]) => `${x}.startsWith(${y})`), fc.tuple(s, s).map(([x, y]) => `${x}.contains(${y})`),
      fc.tuple(s, ls).map(([x, l]) => `${x} in ${l}`), fc.tuple(i, li).map(([x, l]) => `${x} in ${l}`), fc.tuple(s, m).map(([x, mm]) => `${x} in ${mm}`),
      fc.tuple(li, fc.constantFrom('all', 'exists', 'exists_one'), b).map(([l, mac, p]) => `${l}.${mac}(x, ${p})`), fc.tuple(ls, fc.constantFrom('all', 'exists'), b).map(([l, mac, p]) => `${l}.${mac}(c, ${p})`),
      s.map((x) => `${x}.matches('^[a-z]+$')`), fc.tuple(li, li).map(([x, y]) => `sets.contains(${x}, ${y})`), fc.tuple(ls, ls).map(([x, y]) => `sets.intersects(${x}, ${y})`), li.map((l) => `${l}.isSorted()`),
      o.map((x) => `${x}.hasValue()`), s.map((x) => `isQuantity(${x})`), s.map((x) => `isIP(${x})`), s.map((x) => `isSemver(${x})`), s.map((x) => `bool(${x})`), cond(b),
      fc.constantFrom('has(object.metadata.labels.app)', 'has(object.spec.missing)', `${containers}.all(c, has(c.image))`), bin(dur, ['<', '==']), bin(ts, ['<', '>=']), bin(li, ['==', '!=']), bin(m, ['==']), bin(ls, ['=='])),
    li: fc.oneof(cfg, fc.constantFrom('[]', '[3, 1, 2]', '[1, 1]', 'lists.range(4)'), fc.tuple(i, i).map(([x, y]) => `[${x}, ${y}]`), bin(li, ['+']), li.map((l) => `${l}.sort()`), li.map((l) => `${l}.reverse()`),
      li.map((l) => `${l}.distinct()`), fc.tuple(li, i, i).map(([l, x, y]) => `${l}.slice(${x}, ${y})`), fc.tuple(li, i).map(([l, e]) => `${l}.map(x, ${e})`), fc.tuple(li, b).map(([l, p]) => `${l}.filter(x, ${p})`),
      fc.tuple(li, b, i).map(([l, p, e]) => `${l}.map(x, ${p}, ${e})`), fc.tuple(li, i).map(([l, e]) => `${l}.sortBy(x, ${e})`), fc.tuple(li, li).map(([x, y]) => `[${x}, ${y}].flatten()`), ls.map((l) => `${l}.map(c, size(c))`),
      cond(li), fc.tuple(li, i).map(([l, k]) => `optional.of(${l}).optMap(x, x + [${k}]).value()`)),
    ls: fc.oneof(cfg, fc.constantFrom('[]', "['b', 'a']", 'variables.images', 'params.allowedRegistries', 'request.userInfo.groups', `${containers}.map(c, c.name)`), fc.tuple(s, s).map(([x, y]) => `[${x}, ${y}]`),
      fc.tuple(s, s).map(([x, sep]) => `${x}.split(${sep})`), fc.tuple(s, s, i).map(([x, sep, n]) => `${x}.split(${sep}, ${n})`), ls.map((l) => `${l}.sort()`), fc.tuple(ls, s).map(([l, e]) => `${l}.map(c, ${e})`),
      fc.tuple(ls, b).map(([l, p]) => `${l}.filter(c, ${p})`), m.map((mm) => `${mm}.map(c, c)`), li.map((l) => `${l}.map(x, string(x))`), fc.tuple(ls, s).map(([l, e]) => `${l}.sortBy(c, ${e})`), cond(ls), bin(ls, ['+'])),
    m: fc.oneof(cfg, fc.constantFrom('{}', "{'app': 1}", 'object.metadata.labels', 'namespaceObject.metadata.labels', 'params'), fc.tuple(s, i).map(([k, v]) => `{${k}: ${v}}`),
      fc.tuple(s, i, s, i).map(([k1, v1, k2, v2]) => `{${k1}: ${v1}, ${k2}: ${v2}}`), cond(m)),
    dur: fc.oneof(cfg, fc.constantFrom("duration('90s')", "duration('1h30m')", "duration('-1.5s')", "duration('0s')"), s.map((x) => `duration(${x})`), bin(dur, ['+', '-']), fc.tuple(ts, ts).map(([x, y]) => `(${x} - ${y})`)),
    ts: fc.oneof(cfg, fc.constantFrom("timestamp('2020-01-01T00:00:00Z')", "timestamp('2024-02-29T12:30:45.5Z')", 'timestamp(object.metadata.creationTimestamp)'), s.map((x) => `timestamp(${x})`), i.map((x) => `timestamp(${x})`),
      fc.tuple(ts, dur).map(([x, y]) => `(${x} + ${y})`), fc.tuple(ts, dur).map(([x, y]) => `(${x} - ${y})`)),
    o: fc.oneof(cfg, fc.constantFrom('optional.none()', 'object.?spec.?replicas', "object.metadata.labels[?'app']"), i.map((x) => `optional.of(${x})`), i.map((x) => `optional.ofNonZeroValue(${x})`),
      fc.tuple(li, i).map(([l, k]) => `${l}[?${k}]`), fc.tuple(o, o).map(([x, y]) => `${x}.or(${y})`), fc.tuple(o, i).map(([x, e]) => `${x}.optMap(x, ${e})`), li.map((l) => `${l}.first()`), li.map((l) => `${l}.last()`)),
  };
});
/** An expression of any of the kinds. */
export const typedExpression = fc.oneof(typed.i, typed.u, typed.d, typed.s, typed.b, typed.li, typed.ls, typed.m, typed.dur, typed.ts, typed.o);
