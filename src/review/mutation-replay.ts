import type { AdmissionRequest, AdmissionResponse } from '../admission/types.js';
import { encodeReview } from '../admission/respond.js';
import { TOKEN_VOLUME_PREFIX, TOKEN_VOLUME_SUFFIX_LENGTH } from '../admission/service-account-plugin.js';
import type { Config } from '../config/types.js';
import { gatherFacts } from '../facts/gather.js';
import type { NamespaceSource } from '../facts/types.js';
import { isPodCreate } from '../inject/admission.js';
import { LruCachePerOwner, type LruCache } from '../util/lru.js';
import { asArray, asObject } from '../util/json.js';
import type { ReviewOutcome } from './review.js';

/**
 * The replicas of a Deployment, Job or ReplicaSet reach the mutating webhook as one request sent again
 * and again: the API server names a Pod only after mutating admission, and a scale-out or rollout
 * sends the replicas of a template one after another. Such a request is answered from an earlier
 * one's answer, without parsing, deciding or encoding: the request text, with the values that differ
 * between replicas cut out, is the key; the kept answer, with the new values put back, is the reply.
 *
 * What differs between two replicas of one template, as a real API server sends them (seen against
 * kube-apiserver 1.34 in the e2e suite), and is cut out of the key:
 * - the request's uid;
 * - `metadata.managedFields[*].time`: the field manager records the create before mutating admission,
 *   to the second;
 * - the name of the ServiceAccount token volume, `kube-api-access-` and five random characters, which
 *   the ServiceAccount admission plugin adds before the webhooks run, in `spec.volumes` and in the
 *   `volumeMounts` of every container.
 * Without the last two, no two replicas made a second apart, nor any two Pods with a mounted token,
 * would ever share an answer.
 *
 * Why the reply is the answer a fresh decision gives:
 * - the text outside the cut values is byte-identical to a text that was parsed, decoded and decided;
 * - the cut values are made of characters that need no escaping (UUID characters, an RFC 3339 time to
 *   the second, five lower-case letters and digits), so the new text is valid JSON exactly when the
 *   kept one was, and has the same structure;
 * - where each value sits was proven when the answer was kept, by parsing the text with other values
 *   in those places: request.uid, a managedFields entry's time, the name of a volume or of a volume
 *   mount, and the token's prefix appears nowhere else in the text;
 * - a mutation reads nothing but the request, the config and its namespace's labels (decideMutation),
 *   never managedFields, and uses volume names only to match them with the names it adds itself, none
 *   of which starts with `kube-api-access-`. So the answer to another token name is the same answer
 *   with that name in place of the old one, and the kept patch is re-encoded with it. That is checked
 *   too, when keeping: the text is decided once more with a different uid, times and token name, and
 *   the answer rebuilt from the kept one must equal it byte for byte, or nothing is kept;
 * - the memo is per config, and the namespace's labels are looked up and compared on every replay;
 * - an answer is kept only when the uid appears in it once, as response.uid, and after a decision that
 *   neither failed nor overran the deadline, so every error is retried and counted again.
 * Bounded in entries and in request size; only a Pod's CREATE is kept (nothing else is ever changed,
 * and everything else is answered faster than it could be looked up), and only from its second sighting.
 */

const ENTRIES = 64;
/** Larger requests are decided afresh each time: keying them would cost more than it saves. */
const MAX_TEXT = 64 * 1024;
const UID_FIELD = '"uid":"';
const POD_RESOURCE = '"resource":"pods"';
const MAX_UID = 128;
/** A uid no API server sends: the probe that proves where request.uid sits in a kept text. */
const PROBE_UID = 'ztgate-probe-0000-0000-000000000000';

const TIME_FIELD = '"time":"';
const TIME_THEN_FIELDS_TYPE = 'Z","fieldsType":"';
/** metav1.Time as the API server writes it: `2026-11-24T19:03:22Z`. */
const TIME_LENGTH = 20;

interface Span {
  start: number;
  end: number;
}

/** Where the values that differ between replicas sit in one text, found without parsing. */
export interface ReplicaSpans {
  uid: Span;
  times: Span[];
  /** Every occurrence of the token volume's name: the volume and its mounts, all with one suffix. */
  tokenNames: Span[];
  /** All of the above, in text order. */
  all: Span[];
}

export interface Kept {
  request: AdmissionRequest;
  answer: Omit<AdmissionResponse, 'uid'>;
  apiVersion: string;
  /** The encoded reply: the uid goes between before and after. */
  before: string;
  after: string;
  /** When the patch names the token volume: the decoded patch around each mention of its name. */
  patch: { suffix: string; pieces: string[]; beforePatch: string; afterPatch: string } | undefined;
  /** The facts the mutation read, compared on each replay. */
  namespaceLabels: string;
  mutated: boolean;
  skipped: string | undefined;
}

/**
 * A text is kept only the second time it is seen: the first sighting records the key alone, so Pods that
 * each differ (StatefulSets, the first Pod of a rollout) never pay for the proof and encoding below.
 */
const SEEN = Symbol('seen once');
/**
 * A text whose proof failed or whose second decision disagreed: neither can change for the same key
 * and config, so later replicas are decided without trying again (a parse and a decision each).
 */
const NEVER = Symbol('never kept');

type Entry = Kept | typeof SEEN | typeof NEVER;

const memos = new LruCachePerOwner<Config, string, Entry>(ENTRIES);

function isUidChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x2d;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLowerAlphanumeric(code: number): boolean {
  return isDigit(code) || (code >= 0x61 && code <= 0x7a);
}

/** The value of the first `"uid":"…"` in the text, when it is made of UUID characters; found without parsing. */
export function firstUidSpan(text: string): Span | undefined {
  const at = text.indexOf(UID_FIELD);
  if (at < 0) return undefined;
  const start = at + UID_FIELD.length;
  const limit = Math.min(text.length, start + MAX_UID + 1);
  let end = start;
  while (end < limit && isUidChar(text.charCodeAt(end))) end++;
  if (end === start || end - start > MAX_UID || text.charCodeAt(end) !== 0x22) return undefined;
  return { start, end };
}

/** `YYYY-MM-DDTHH:MM:SSZ` at `start`, then the closing quote. */
function isTimeAt(text: string, start: number): boolean {
  if (text.charCodeAt(start + TIME_LENGTH) !== 0x22) return false;
  for (let i = 0; i < TIME_LENGTH; i++) {
    const code = text.charCodeAt(start + i);
    const ok = i === 4 || i === 7 ? code === 0x2d : i === 10 ? code === 0x54 : i === 13 || i === 16 ? code === 0x3a : i === 19 ? code === 0x5a : isDigit(code);
    if (!ok) return false;
  }
  return true;
}

/**
 * Every managedFields time, found by what follows it: the API server writes an entry's fields in
 * order (manager, operation, apiVersion, time, fieldsType, fieldsV1), and a search that starts on a
 * rare character costs a tenth of one that starts on a quote. A time written otherwise stays in the key.
 */
function timeSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (let at = text.indexOf(TIME_THEN_FIELDS_TYPE); at >= 0; at = text.indexOf(TIME_THEN_FIELDS_TYPE, at + 1)) {
    const start = at + 1 - TIME_LENGTH;
    if (start >= TIME_FIELD.length && text.startsWith(TIME_FIELD, start - TIME_FIELD.length) && isTimeAt(text, start)) {
      spans.push({ start, end: start + TIME_LENGTH });
    }
  }
  return spans;
}

/**
 * The suffix of every string `"kube-api-access-xxxxx"`, or undefined when they name different volumes
 * (no API server sends that: such a text is decided afresh). A quote after a backslash is inside
 * another string and is left in the key (keeping then refuses: the prefix must appear only as a name).
 */
function tokenNameSpans(text: string): Span[] | undefined {
  const spans: Span[] = [];
  for (let at = text.indexOf(TOKEN_VOLUME_PREFIX); at >= 0; at = text.indexOf(TOKEN_VOLUME_PREFIX, at + 1)) {
    if (text.charCodeAt(at - 1) !== 0x22 || text.charCodeAt(at - 2) === 0x5c) continue;
    const start = at + TOKEN_VOLUME_PREFIX.length;
    const end = start + TOKEN_VOLUME_SUFFIX_LENGTH;
    if (text.charCodeAt(end) !== 0x22) continue;
    let i = start;
    while (i < end && isLowerAlphanumeric(text.charCodeAt(i))) i++;
    if (i < end) continue;
    if (spans.length > 0 && !text.startsWith(text.slice(spans[0]!.start, spans[0]!.end), start)) return undefined;
    spans.push({ start, end });
  }
  return spans;
}

export function replicaSpans(text: string): ReplicaSpans | undefined {
  const uid = firstUidSpan(text);
  const tokenNames = uid && tokenNameSpans(text);
  if (!uid || !tokenNames) return undefined;
  const times = timeSpans(text);
  const all = [uid, ...times, ...tokenNames].sort((a, b) => a.start - b.start);
  return { uid, times, tokenNames, all };
}

function keyOf(text: string, spans: Span[]): string {
  let key = '';
  let at = 0;
  for (const span of spans) {
    key += `${text.slice(at, span.start)}\u0000`;
    at = span.end;
  }
  return key + text.slice(at);
}

/** The text with each span's value replaced by what `valueOf` gives for it. */
function withValues(text: string, spans: Span[], valueOf: (span: Span) => string): string {
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + valueOf(span);
    at = span.end;
  }
  return out + text.slice(at);
}

function labelsKey(request: AdmissionRequest, namespaces: NamespaceSource, now: Date): string {
  return JSON.stringify(gatherFacts(request, namespaces, now).namespaceLabels);
}

/** Fresh containers both ways: neither the caller's response nor a replayed one can reach into the memo. */
function copyOf(answer: Omit<AdmissionResponse, 'uid'>): Omit<AdmissionResponse, 'uid'> {
  const copy = { ...answer };
  if (answer.warnings) copy.warnings = [...answer.warnings];
  if (answer.auditAnnotations) copy.auditAnnotations = { ...answer.auditAnnotations };
  if (answer.status) copy.status = { ...answer.status };
  return copy;
}

export interface ReplayDeps {
  config: Config;
  namespaces: NamespaceSource;
  now: Date;
}

/** Where one request text stands in the memo: looked up once, used to replay or to keep. */
export interface ReplayLookup {
  memo: LruCache<string, Entry>;
  key: string;
  spans: ReplicaSpans;
  entry: Entry | undefined;
}

/** The memo entry for this text; undefined when the text can never be replayed (size, uid, config). */
export function lookUpMutation(text: string, config: Config): ReplayLookup | undefined {
  // Only Pod texts are ever kept, so a text without this (every other kind) cannot match one: the
  // key, as long as the text, is not even built. A Pod text written with spaces is never replayed.
  if (text.length > MAX_TEXT || !text.includes(POD_RESOURCE)) return undefined;
  const memo = memos.of(config);
  const spans = memo && replicaSpans(text);
  if (!memo || !spans) return undefined;
  const key = keyOf(text, spans.all);
  return { memo, key, spans, entry: memo.get(key) };
}

function tokenSuffixOf(text: string, spans: ReplicaSpans): string {
  const first = spans.tokenNames[0];
  return first ? text.slice(first.start, first.end) : '';
}

/** The kept answer as it reads for another uid and token suffix. */
function rebuilt(kept: Kept, uid: string, suffix: string): { encoded: string; response: AdmissionResponse } {
  const response: AdmissionResponse = { uid, ...copyOf(kept.answer) };
  if (!kept.patch || suffix === kept.patch.suffix) return { encoded: `${kept.before}${uid}${kept.after}`, response };
  const patch = Buffer.from(kept.patch.pieces.join(TOKEN_VOLUME_PREFIX + suffix)).toString('base64');
  response.patch = patch;
  return { encoded: `${kept.before}${uid}${kept.patch.beforePatch}${patch}${kept.patch.afterPatch}`, response };
}

/** The kept answer to this request, re-addressed to its uid and token volume; undefined when there is none. */
export function replayMutation(lookup: ReplayLookup, text: string, deps: ReplayDeps): Extract<ReviewOutcome, { ok: true }> | undefined {
  const kept = lookup.entry;
  if (kept === undefined || kept === SEEN || kept === NEVER || labelsKey(kept.request, deps.namespaces, deps.now) !== kept.namespaceLabels) return undefined;
  const uid = text.slice(lookup.spans.uid.start, lookup.spans.uid.end);
  const { encoded, response } = rebuilt(kept, uid, tokenSuffixOf(text, lookup.spans));
  // The kept request with the new uid: what the decision line and the metrics read of it (kind,
  // namespace, name, user, operation, dry run) is in the key; its object keeps the first replica's
  // times and token name.
  const request = { ...kept.request, uid };
  const outcome: Extract<ReviewOutcome, { ok: true }> = {
    ok: true,
    httpStatus: 200,
    body: encodeReview(kept.apiVersion, response),
    encoded,
    request,
    response,
    violations: [],
    mutated: kept.mutated,
    recalled: true,
  };
  if (kept.skipped) outcome.skipped = kept.skipped;
  return outcome;
}

/** Other values for the cut spans, distinct from the text's: the second decision made when keeping. */
const PROBE_SUFFIXES = ['zzzzz', 'yyyyy'];

function probeTime(index: number): string {
  return new Date(index * 1000).toISOString().replace('.000Z', 'Z');
}

function namesIn(list: unknown): unknown[] {
  return asArray(list).map((item) => asObject(item)?.['name']);
}

function countOf(values: unknown[], value: string): number {
  let count = 0;
  for (const v of values) if (v === value) count++;
  return count;
}

/**
 * The request with other values in every cut span, parsed; undefined unless each span holds what it
 * is cut for: request.uid, one managedFields entry's time each, and the name of the one volume whose
 * name starts with the token prefix and of mounts of it, the prefix appearing nowhere else.
 */
function probeRequest(text: string, spans: ReplicaSpans, probeSuffix: string): unknown {
  const timeIndex = new Map(spans.times.map((span, index) => [span, index]));
  const probeText = withValues(text, spans.all, (span) => {
    if (span === spans.uid) return PROBE_UID;
    const index = timeIndex.get(span);
    return index === undefined ? probeSuffix : probeTime(index);
  });
  let body: unknown;
  try {
    body = JSON.parse(probeText);
  } catch {
    return undefined;
  }
  const request = asObject(asObject(body)?.['request']);
  if (request?.['uid'] !== PROBE_UID) return undefined;
  const object = asObject(request['object']);
  const managedTimes = asArray(asObject(object?.['metadata'])?.['managedFields']).map((entry) => asObject(entry)?.['time']);
  for (let index = 0; index < spans.times.length; index++) {
    if (countOf(managedTimes, probeTime(index)) !== 1) return undefined;
  }
  if (spans.tokenNames.length > 0) {
    const name = TOKEN_VOLUME_PREFIX + probeSuffix;
    const spec = asObject(object?.['spec']);
    let mounts = 0;
    for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
      for (const container of asArray(spec?.[list])) mounts += countOf(namesIn(asObject(container)?.['volumeMounts']), name);
    }
    if (countOf(namesIn(spec?.['volumes']), name) !== 1 || mounts + 1 !== spans.tokenNames.length) return undefined;
  }
  let prefixes = 0;
  for (let at = text.indexOf(TOKEN_VOLUME_PREFIX); at >= 0; at = text.indexOf(TOKEN_VOLUME_PREFIX, at + 1)) prefixes++;
  return prefixes === spans.tokenNames.length ? body : undefined;
}

/**
 * After a fresh decision: the first sighting of a text is noted; at the second its answer is kept for
 * the replicas that follow, when it is safe to replay (see above). Returns the answer's encoding when
 * it had to be made, so the caller need not make it again. `decideAgain` decides a request afresh,
 * as the caller did this one.
 */
export function keepMutation(
  lookup: ReplayLookup,
  text: string,
  outcome: ReviewOutcome,
  deps: ReplayDeps,
  decideAgain: (body: unknown) => ReviewOutcome,
): string | undefined {
  if (!outcome.ok || outcome.internalError || outcome.deadlineExceeded || outcome.recalled) return undefined;
  const { request, response } = outcome;
  if (!isPodCreate(request)) return undefined;
  const { memo, key, spans } = lookup;
  if (lookup.entry === undefined) {
    memo.set(key, SEEN);
    return undefined;
  }
  if (lookup.entry === NEVER) return undefined;
  if (text.slice(spans.uid.start, spans.uid.end) !== request.uid) return undefined;
  const encoded = JSON.stringify(outcome.body);
  const suffix = tokenSuffixOf(text, spans);
  const probeSuffix = PROBE_SUFFIXES.find((candidate) => candidate !== suffix)!;
  const probe = probeRequest(text, spans, probeSuffix);
  if (probe === undefined) {
    memo.set(key, NEVER);
    return encoded;
  }
  // Once, as response.uid: anything else in the answer that mentioned the uid would replay stale.
  const valueAt = encoded.indexOf(request.uid);
  if (valueAt < 0 || encoded.indexOf(request.uid, valueAt + 1) >= 0 || !encoded.startsWith(UID_FIELD, valueAt - UID_FIELD.length)) return encoded;
  const { uid: _uid, ...answer } = response;
  const before = encoded.slice(0, valueAt);
  const after = encoded.slice(valueAt + request.uid.length);
  const kept: Kept = {
    request,
    answer: copyOf(answer),
    apiVersion: outcome.body.apiVersion,
    before,
    after,
    patch: suffix === '' ? undefined : patchAround(after, response.patch, TOKEN_VOLUME_PREFIX + suffix, suffix),
    namespaceLabels: labelsKey(request, deps.namespaces, deps.now),
    mutated: outcome.mutated,
    skipped: outcome.skipped,
  };
  // The same request with another uid, times and token name, decided afresh, must get the kept answer
  // rebuilt for those values: what this template's decision reads of them is then known to be nothing
  // but the uid it echoes and the name it carries over.
  const again = decideAgain(probe);
  // An error or the deadline may pass: only a disagreement is final.
  if (!again.ok || again.internalError || again.deadlineExceeded) return encoded;
  memo.set(key, JSON.stringify(again.body) === rebuilt(kept, PROBE_UID, probeSuffix).encoded ? kept : NEVER);
  return encoded;
}

/** The encoded answer after the uid, split around its patch, and the decoded patch around each mention of the token name. */
function patchAround(afterUid: string, patch: string | undefined, name: string, suffix: string): Kept['patch'] {
  if (patch === undefined) return undefined;
  const pieces = Buffer.from(patch, 'base64').toString().split(name);
  const at = afterUid.indexOf(`"${patch}"`);
  if (pieces.length === 1 || at < 0) return undefined;
  return { suffix, pieces, beforePatch: afterUid.slice(0, at + 1), afterPatch: afterUid.slice(at + 1 + patch.length) };
}
