import type { AdmissionRequest, AdmissionResponse } from '../admission/types.js';
import type { Config } from '../config/types.js';
import type { Facts } from '../engine/types.js';
import { isPodCreate } from '../inject/admission.js';
import { LruCache } from '../util/lru.js';

/**
 * The replicas of a Deployment, Job or ReplicaSet reach the mutating webhook as one object sent again
 * and again: the API server generates a Pod's name only after mutating admission, so every replica of
 * a template arrives byte-identical, and a scale-out or rollout sends them in a burst. The mutation is
 * a pure function of what the key below holds (decideMutation reads nothing else), so the answer is
 * kept per config and replayed with the new request's uid instead of injecting, diffing and encoding
 * the same patch again.
 *
 * Bounded in entries and in object size (a larger object is decided afresh each time); answers after
 * an internal error are never kept, so a failure is retried and counted every time.
 */

const ENTRIES = 64;
/** Objects larger than this, serialised, are not kept: the key would cost more than it saves. */
const MAX_OBJECT_JSON = 64 * 1024;

type Answer = Omit<AdmissionResponse, 'uid'>;

interface Remembered {
  answer: Answer;
  skipped: string | undefined;
}

const memos = new WeakMap<Config, LruCache<string, Remembered>>();

/**
 * Everything the mutation reads, as one string; undefined when the request is not worth keeping: only
 * a Pod's CREATE is ever changed, and anything else is answered faster than its key could be built.
 */
export function mutationKey(request: AdmissionRequest, facts: Facts): string | undefined {
  if (request.object === undefined || !isPodCreate(request)) return undefined;
  const object = JSON.stringify(request.object);
  if (object.length > MAX_OBJECT_JSON) return undefined;
  return JSON.stringify([request.kind.version, request.namespace ?? '', request.name ?? '', facts.namespaceLabels]) + object;
}

function memoOf(config: Config): LruCache<string, Remembered> | undefined {
  // A config that can still change (tests build them by hand) is never cached against.
  if (!Object.isFrozen(config)) return undefined;
  let memo = memos.get(config);
  if (!memo) {
    memo = new LruCache(ENTRIES);
    memos.set(config, memo);
  }
  return memo;
}

/** A previous answer to the same mutation, re-addressed to this request's uid. */
export function recallMutation(key: string, config: Config, uid: string): { response: AdmissionResponse; skipped: string | undefined } | undefined {
  const remembered = memoOf(config)?.get(key);
  if (!remembered) return undefined;
  return { response: { uid, ...copyOfAnswer(remembered.answer) }, skipped: remembered.skipped };
}

export function rememberMutation(key: string, config: Config, response: AdmissionResponse, skipped: string | undefined): void {
  const { uid: _uid, ...answer } = response;
  memoOf(config)?.set(key, { answer: copyOfAnswer(answer), skipped });
}

/** Fresh containers both ways: neither the caller's response nor a replayed one can reach into the memo. */
function copyOfAnswer(answer: Answer): Answer {
  const copy: Answer = { ...answer };
  if (answer.warnings) copy.warnings = [...answer.warnings];
  if (answer.auditAnnotations) copy.auditAnnotations = { ...answer.auditAnnotations };
  if (answer.status) copy.status = { ...answer.status };
  return copy;
}
