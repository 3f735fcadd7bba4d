/** Kubernetes name grammars, checked character by character (no regular expressions on user input). */

function isLowerAlnum(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

function isAlnum(code: number): boolean {
  return isLowerAlnum(code) || (code >= 65 && code <= 90);
}

/** DNS-1123 label shape `[a-z0-9]([-a-z0-9]*[a-z0-9])?`; callers apply their own length limit. */
export function isDnsLabelShape(text: string): boolean {
  if (text.length === 0) return false;
  if (!isLowerAlnum(text.charCodeAt(0)) || !isLowerAlnum(text.charCodeAt(text.length - 1))) return false;
  for (let i = 1; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (!isLowerAlnum(code) && code !== 45) return false;
  }
  return true;
}

export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && isDnsLabelShape(text);
}

/** Dot-separated DNS-1123 labels (the shape only; Calico checks the 253-byte limit separately). */
export function isSubdomainShape(text: string): boolean {
  return text.split('.').every(isDnsLabelShape);
}

export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && isSubdomainShape(text);
}

/** IANA service name, as Kubernetes validates named ports: ≤15 chars, a letter, no `--`. */
export function isPortName(text: string): boolean {
  if (text.length === 0 || text.length > 15 || !isDnsLabelShape(text) || text.includes('--')) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 97 && code <= 122) return true;
  }
  return false;
}

/** Kubernetes qualified name: an optional DNS subdomain prefix and `/`, then a ≤63-char name. */
export function isQualifiedName(text: string): boolean {
  const parts = text.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1)!;
  if (parts.length === 2 && (parts[0]!.length === 0 || !isDnsSubdomain(parts[0]!))) return false;
  if (name.length === 0 || name.length > 63) return false;
  if (!isAlnum(name.charCodeAt(0)) || !isAlnum(name.charCodeAt(name.length - 1))) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (!isAlnum(code) && code !== 45 && code !== 95 && code !== 46) return false;
  }
  return true;
}

/** Prefixes Calico gives to policies it converts from other APIs; they carry no tier. */
const CONVERTED_PREFIXES = ['knp.default.', 'ossg.default.', 'kanp.adminnetworkpolicy.', 'kbanp.baselineadminnetworkpolicy.'];

export function isConvertedPolicyName(name: string): boolean {
  return CONVERTED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * Calico's NetworkPolicy names: a label, `label.label` (the tier prefix), or a converted policy
 * (`knp.default.` / `ossg.default.` and a subdomain).
 */
export function isNetworkPolicyName(name: string): boolean {
  for (const prefix of ['knp.default.', 'ossg.default.']) {
    if (name.startsWith(prefix)) return isSubdomainShape(name.slice(prefix.length));
  }
  return isTieredName(name);
}

/** GlobalNetworkPolicy names: a label, optionally prefixed by one `tier.`. */
export function isTieredName(name: string): boolean {
  const parts = name.split('.');
  return parts.length <= 2 && parts.every(isDnsLabelShape);
}
