import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of a cloud assembly's validation-report.json that the tests read. */
export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; description: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/** The validation report that synthesis wrote into `assemblyDir`, by every validation plugin that ran. */
export function readValidationReport(assemblyDir: string): ValidationReport {
  return JSON.parse(readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8'));
}
