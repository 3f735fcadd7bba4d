#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from Go modules (no Docker, no release downloads)
# and caches them. Prints the bin directory as the LAST line of stdout; everything else goes
# to stderr. Safe to run concurrently (flock) and non-interactively (CI=true, no stdin).
#
#   ZTGATE_E2E_K8S_VERSION   k8s.io/kubernetes version  (default v1.34.4)
#   ZTGATE_E2E_ETCD_VERSION  go.etcd.io/etcd/server/v3  (default v3.6.4, what k8s 1.34 pins)
#   ZTGATE_E2E_CACHE_DIR     cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/ztgate-e2e)
set -euo pipefail

# Bump when the build recipe (flags, module layout, ...) changes: it invalidates the cache.
RECIPE_REV=1

K8S_VERSION="${ZTGATE_E2E_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${ZTGATE_E2E_ETCD_VERSION:-v3.6.4}"
CACHE_ROOT="${ZTGATE_E2E_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ztgate-e2e}"

log() { printf '[e2e-build %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "bad k8s version: $K8S_VERSION"
K8S_MINOR="${BASH_REMATCH[1]}"
STAGING_VERSION="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"   # v1.34.N -> v0.34.N

command -v go >/dev/null || die "go not found in PATH"
command -v flock >/dev/null || die "flock not found (util-linux)"

# Hermetic-ish Go environment. GOFLAGS is replaced, not appended to: a stray -mod=vendor or
# similar from the caller's environment would break the wrapper module.
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-modcacherw -buildvcs=false"
export GO111MODULE=on
# Linking kube-apiserver peaks at a few GiB; keep the compiler's GC from ballooning on small boxes.
export GOMEMLIMIT="${GOMEMLIMIT:-6GiB}"
unset GOOS GOARCH 2>/dev/null || true

GO_VERSION="$(go env GOVERSION)"
GO_ARCH="$(go env GOOS)-$(go env GOARCH)"
KEY="${K8S_VERSION}-${ETCD_VERSION}-${GO_VERSION}-${GO_ARCH}-r${RECIPE_REV}"
KEY_DIR="${CACHE_ROOT}/${KEY}"
BIN_DIR="${KEY_DIR}/bin"
BINS=(kube-apiserver kubectl etcd)

cache_ok() {
  [[ -f "${BIN_DIR}/.complete" ]] || return 1
  local b
  for b in "${BINS[@]}"; do [[ -x "${BIN_DIR}/${b}" ]] || return 1; done
}

# Fast path: bin/ only ever appears via an atomic rename of a fully verified directory.
if cache_ok; then
  log "cache hit: ${BIN_DIR}"
  printf '%s\n' "${BIN_DIR}"
  exit 0
fi

mkdir -p "${KEY_DIR}"
exec 9>"${KEY_DIR}.lock"
log "waiting for lock ${KEY_DIR}.lock"
flock 9
if cache_ok; then   # somebody else built it while we waited
  log "cache filled by a concurrent run: ${BIN_DIR}"
  printf '%s\n' "${BIN_DIR}"
  exit 0
fi
# A bin/ without the .complete marker cannot be produced by this script, but clear it anyway.
rm -rf "${BIN_DIR}" "${KEY_DIR}"/.build.*

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ztgate-e2e-wrapper.XXXXXX")"   # outside any repository
STAGE="$(mktemp -d "${KEY_DIR}/.build.XXXXXX")"                   # beside the cache, same fs
cleanup() { rm -rf "${WORK}" "${STAGE}"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

START=$SECONDS
log "cold build ${KEY} (go $(go env GOROOT)); this takes 15-30 min on 2 cores"

# 1. Read the staging replace list from k8s.io/kubernetes's own go.mod.
cd "${WORK}"
GOMOD_JSON="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" </dev/null)" \
  || die "go mod download k8s.io/kubernetes@${K8S_VERSION} failed"
K8S_GOMOD="$(sed -n 's/^[[:space:]]*"GoMod":[[:space:]]*"\(.*\)",\{0,1\}[[:space:]]*$/\1/p' <<<"${GOMOD_JSON}")"
[[ -n "${K8S_GOMOD}" && -f "${K8S_GOMOD}" ]] || die "no GoMod in: ${GOMOD_JSON}"

# Matches both "replace a => ./staging/src/a" and lines inside a "replace ( ... )" block.
mapfile -t STAGING < <(awk '
  { sub(/\/\/.*/, "") }
  /=>[[:space:]]*\.\/staging\/src\// {
    i = ($1 == "replace") ? 2 : 1
    print $i
  }' "${K8S_GOMOD}" | sort -u)
(( ${#STAGING[@]} > 10 )) || die "found only ${#STAGING[@]} staging replaces in ${K8S_GOMOD}"
log "k8s.io/kubernetes ${K8S_VERSION}: ${#STAGING[@]} staging modules -> ${STAGING_VERSION}"

# 2. Throwaway wrapper module.
{
  echo "module ztgate.invalid/e2e-control-plane"
  echo
  echo "go 1.24.0"
  echo
  echo "godebug default=go1.24"
  echo
  echo "require ("
  echo "	k8s.io/kubernetes ${K8S_VERSION}"
  echo "	go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
  echo ")"
  echo
  echo "replace ("
  for m in "${STAGING[@]}"; do echo "	${m} => ${m} ${STAGING_VERSION}"; done
  echo ")"
  echo
  echo "tool ("
  echo "	k8s.io/kubernetes/cmd/kube-apiserver"
  echo "	k8s.io/kubernetes/cmd/kubectl"
  echo "	go.etcd.io/etcd/server/v3"
  echo ")"
} > go.mod

log "go mod tidy"
go mod tidy </dev/null >&2 || die "go mod tidy failed (wrapper: ${WORK}/go.mod)"

GOT_ETCD="$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
[[ "${GOT_ETCD}" == "${ETCD_VERSION}" ]] \
  || die "MVS selected etcd ${GOT_ETCD}, not ${ETCD_VERSION}; pass ZTGATE_E2E_ETCD_VERSION=${GOT_ETCD}"

# 3. Build.
X=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  X+=" -X ${p}.gitVersion=${K8S_VERSION} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${K8S_MINOR}"
  X+=" -X ${p}.gitTreeState=clean"
done
mkdir -p "${STAGE}/bin"
log "go build kube-apiserver kubectl"
go build -trimpath -pgo=off -ldflags "-s -w${X}" -o "${STAGE}/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl </dev/null >&2
log "go build etcd"
go build -trimpath -pgo=off -ldflags "-s -w" -o "${STAGE}/bin/etcd" go.etcd.io/etcd/server/v3 </dev/null >&2

# 4. Verify (capture first: grep -q closing a pipe early would trip pipefail via SIGPIPE).
verify() { # name expected-substring cmd...
  local name="$1" want="$2" out; shift 2
  out="$("$@" 2>&1)" || die "${name} failed to run: ${out}"
  printf '%s\n' "${out}" >&2
  [[ "${out}" == *"${want}"* ]] || die "${name} does not report ${want}"
}
verify kube-apiserver "Kubernetes ${K8S_VERSION}" "${STAGE}/bin/kube-apiserver" --version
verify kubectl "Client Version: ${K8S_VERSION}" "${STAGE}/bin/kubectl" version --client=true
verify etcd "etcd Version: ${ETCD_VERSION#v}" "${STAGE}/bin/etcd" --version

{
  echo "k8s=${K8S_VERSION}"
  echo "etcd=${ETCD_VERSION}"
  echo "go=${GO_VERSION}"
  echo "arch=${GO_ARCH}"
  echo "recipe=r${RECIPE_REV}"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "seconds=$((SECONDS - START))"
} > "${STAGE}/bin/.complete"
cp "${WORK}/go.mod" "${WORK}/go.sum" "${STAGE}/" 2>/dev/null || true

# 5. Publish atomically (rename(2) of a directory on the same filesystem).
mv -T "${STAGE}/bin" "${BIN_DIR}"
mv "${STAGE}/go.mod" "${KEY_DIR}/wrapper.go.mod" 2>/dev/null || true
mv "${STAGE}/go.sum" "${KEY_DIR}/wrapper.go.sum" 2>/dev/null || true
log "built in $((SECONDS - START))s: ${BIN_DIR}"
printf '%s\n' "${BIN_DIR}"
