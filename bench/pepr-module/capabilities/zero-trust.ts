// @ts-nocheck -- see pepr.ts: checked by Pepr's build, not by the repository's tsconfig.
import { Capability, a } from "pepr";

/**
 * What ztgate does to a Pod, as Pepr actions: the validating checks of ZT-POD-001 (a dedicated
 * ServiceAccount), ZT-POD-002 (no host network) and ZT-POD-003 (no NET_ADMIN), and the identity label
 * ztgate's mutating webhook writes. Written the way a Pepr user would write them.
 */
export const ZeroTrust = new Capability({
  name: "zero-trust",
  description: "ztgate's Pod checks and identity label, for the benchmark",
  namespaces: [],
});

const { When } = ZeroTrust;

function serviceAccountOf(spec): string {
  return spec?.serviceAccountName || spec?.serviceAccount || "";
}

When(a.Pod)
  .IsCreatedOrUpdated()
  .Mutate(request => {
    request.SetLabel("ztgate.io/service-account", serviceAccountOf(request.Raw.spec) || "default");
  });

When(a.Pod)
  .IsCreatedOrUpdated()
  .Validate(request => {
    const spec = request.Raw.spec ?? {};
    const serviceAccount = serviceAccountOf(spec);
    if (serviceAccount === "" || serviceAccount === "default") {
      return request.Deny("ZT-POD-001: the Pod runs under the shared \"default\" ServiceAccount");
    }
    if (spec.hostNetwork === true) {
      return request.Deny("ZT-POD-002: the Pod uses the host network");
    }
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
    for (const container of containers) {
      if (container.securityContext?.capabilities?.add?.includes("NET_ADMIN")) {
        return request.Deny(`ZT-POD-003: container "${container.name}" adds capability NET_ADMIN`);
      }
    }
    return request.Approve();
  });
