import type { AdmissionRequest, AdmissionResponse } from '../admission/types.js';
import { encodeReview } from '../admission/respond.js';
import type { Config } from '../config/types.js';
import { gatherFacts } from '../facts/gather.js';
import type { NamespaceSource } from '../facts/types.js';
import { isPodCreate } from '../inject/admission.js';
import { LruCachePerOwner, type LruCache } from '../util/lru.js';
import type { ReviewOutcome } from './review.js';

/**
 * The replicas of a Deployment, Job or ReplicaSet reach the mutating webhook as one request sent again
 * and again: the API server names a Pod only after mutating admission, so every replica of a template
 * arrives as the same bytes but for the request's uid, and a scale-out or rollout sends them in a
 * burst. Such a request is answered from the first one's answer, without parsing, deciding or
 * encoding: the request text, with its uid cut out, is the key; the answer's text, with the new uid
 * spliced in, is the reply.
 *
 * Why that is the same answer a fresh decision gives:
 * - the text outside the uid is byte-identical to a text that was parsed, decoded and decided;
 * - where the uid sits was proven when the first answer was kept: the text parsed with another value
 *   in that place had it as request.uid, so the span is request.uid and nothing else;
 * - a uid is spliced only when it is made of UUID characters (what the API server sends), which need
 *   no escaping: the new text is valid JSON exactly when the kept one was, and means the same but for
 *   request.uid;
 * - a mutation reads nothing but the request, the config and its namespace's labels (decideMutation):
 *   the memo is per config, and the labels are looked up and compared on every replay;
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

export interface Kept {
  request: AdmissionRequest;
  answer: Omit<AdmissionResponse, 'uid'>;
  apiVersion: string;
  /** The encoded reply around its uid. */
  before: string;
  after: string;
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

const memos = new LruCachePerOwner<Config, string, Kept | typeof SEEN>(ENTRIES);

function isUidChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x2d;
}

interface Span {
  start: number;
  end: number;
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

function keyOf(text: string, span: Span): string {
  return `${text.slice(0, span.start)}\u0000${text.slice(span.end)}`;
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
  memo: LruCache<string, Kept | typeof SEEN>;
  key: string;
  span: Span;
  entry: Kept | typeof SEEN | undefined;
}


/** The memo entry for this text; undefined when the text can never be replayed (size, uid, config). */
export function lookUpMutation(text: string, config: Config): ReplayLookup | undefined {
  // Only Pod texts are ever kept, so a text without this (every other kind) cannot match one: the
  // key, as long as the text, is not even built. A Pod text written with spaces is never replayed.
  if (text.length > MAX_TEXT || !text.includes(POD_RESOURCE)) return undefined;
  const memo = memos.of(config);
  const span = memo && firstUidSpan(text);
  if (!memo || !span) return undefined;
  const key = keyOf(text, span);
  return { memo, key, span, entry: memo.get(key) };
}

/** The kept answer to this request, re-addressed to its uid; undefined when there is none. */
export function replayMutation(lookup: ReplayLookup, text: string, deps: ReplayDeps): Extract<ReviewOutcome, { ok: true }> | undefined {
  const kept = lookup.entry;
  if (kept === undefined || kept === SEEN || labelsKey(kept.request, deps.namespaces, deps.now) !== kept.namespaceLabels) return undefined;
  const uid = text.slice(lookup.span.start, lookup.span.end);
  const request = { ...kept.request, uid };
  const response: AdmissionResponse = { uid, ...copyOf(kept.answer) };
  const outcome: Extract<ReviewOutcome, { ok: true }> = {
    ok: true,
    httpStatus: 200,
    body: encodeReview(kept.apiVersion, response),
    encoded: `${kept.before}${uid}${kept.after}`,
    request,
    response,
    violations: [],
    mutated: kept.mutated,
    recalled: true,
  };
  if (kept.skipped) outcome.skipped = kept.skipped;
  return outcome;
}

/**
 * After a fresh decision: the first sighting of a text is noted; at the second its answer is kept for
 * the replicas that follow, when it is safe to replay (see above). Returns the answer's encoding when
 * it had to be made, so the caller need not make it again.
 */
export function keepMutation(lookup: ReplayLookup, text: string, outcome: ReviewOutcome, deps: ReplayDeps): string | undefined {
  if (!outcome.ok || outcome.internalError || outcome.deadlineExceeded || outcome.recalled) return undefined;
  const { request, response } = outcome;
  if (!isPodCreate(request)) return undefined;
  const { memo, key, span } = lookup;
  if (lookup.entry === undefined) {
    memo.set(key, SEEN);
    return undefined;
  }
  if (text.slice(span.start, span.end) !== request.uid || !provesRequestUid(text, span)) return undefined;
  const encoded = JSON.stringify(outcome.body);
  // Once, as response.uid: anything else in the answer that mentioned the uid would replay stale.
  const valueAt = encoded.indexOf(request.uid);
  if (valueAt < 0 || encoded.indexOf(request.uid, valueAt + 1) >= 0 || !encoded.startsWith(UID_FIELD, valueAt - UID_FIELD.length)) return encoded;
  const { uid: _uid, ...answer } = response;
  memo.set(key, {
    request,
    answer: copyOf(answer),
    apiVersion: outcome.body.apiVersion,
    before: encoded.slice(0, valueAt),
    after: encoded.slice(valueAt + request.uid.length),
    namespaceLabels: labelsKey(request, deps.namespaces, deps.now),
    mutated: outcome.mutated,
    skipped: outcome.skipped,
  });
  return encoded;
}

/** The text with another uid in the span parses to that uid as request.uid: the span is request.uid. */
function provesRequestUid(text: string, span: Span): boolean {
  try {
    const probe = JSON.parse(`${text.slice(0, span.start)}${PROBE_UID}${text.slice(span.end)}`) as { request?: { uid?: unknown } };
    return probe.request?.uid === PROBE_UID;
  } catch {
    return false;
  }
}
