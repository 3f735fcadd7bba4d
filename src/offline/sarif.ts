import { INVARIANTS } from '../invariants/registry.js';
import type { CheckReport } from './report.js';

const LEVEL: Record<string, 'error' | 'warning' | 'note'> = { enforce: 'error', warn: 'warning', audit: 'note', notice: 'note' };

/** SARIF 2.1.0, so code-scanning UIs show each finding at its manifest's line. */
export function toSarif(report: CheckReport, version: string): unknown {
  const results = report.results.flatMap((result) => {
    const location = {
      physicalLocation: { artifactLocation: { uri: result.file }, region: { startLine: Math.max(result.line, 1) } },
      logicalLocations: [{ fullyQualifiedName: `${result.kind}/${result.namespace ? `${result.namespace}/` : ''}${result.name}` }],
    };
    const findings = result.violations.map((violation) => ({
      ruleId: violation.id,
      level: violation.exceptedBy ? 'note' : (LEVEL[violation.mode] ?? 'warning'),
      message: { text: violation.message },
      locations: [location],
      properties: { fieldPath: violation.path, ...(violation.exceptedBy ? { exceptedBy: violation.exceptedBy } : {}) },
    }));
    if (result.verdict === 'denied' && result.violations.length === 0 && result.reason) {
      findings.push({ ruleId: 'ztgate/denied', level: 'error', message: { text: result.reason }, locations: [location], properties: { fieldPath: '' } });
    }
    return findings;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ztgate',
            version,
            rules: INVARIANTS.map((invariant) => ({
              id: invariant.id,
              name: invariant.title,
              shortDescription: { text: invariant.title },
              fullDescription: { text: invariant.rationale },
              helpUri: `docs/invariants.md#${invariant.id.toLowerCase()}`,
            })),
          },
        },
        results,
      },
    ],
  };
}
