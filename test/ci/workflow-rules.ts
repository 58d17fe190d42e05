import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * The rules every GitHub Actions workflow of this repository keeps, as functions that return what
 * breaks them (empty: none). workflows.test.ts applies them to .github/workflows/ and shows each one
 * rejecting a bad fixture.
 */

type Permissions = 'read-all' | 'write-all' | Record<string, string>;

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly uses?: string;
  readonly permissions?: Permissions;
  readonly concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string };
  readonly steps?: readonly Step[];
}

export interface Workflow {
  readonly permissions?: Permissions;
  readonly concurrency?: Job['concurrency'];
  readonly jobs: Record<string, Job>;
}

/** A workflow as GitHub reads it, and its text (comments are where the pinned versions are named). */
export interface WorkflowFile {
  readonly name: string;
  readonly text: string;
  readonly workflow: Workflow;
}

export function workflowFromText(name: string, text: string): WorkflowFile {
  return { name, text, workflow: parse(text) as Workflow };
}

export function readWorkflow(dir: string, name: string): WorkflowFile {
  return workflowFromText(name, readFileSync(join(dir, name), 'utf8'));
}

const AWS_CREDENTIALS_ACTION = 'aws-actions/configure-aws-credentials';

/**
 * SchemaStore's github-workflow.json (see ./README.md for which version and from where). Its keywords
 * beside a $ref (an event's allowed `types`, say) are applied too, as SchemaStore means them; draft-07
 * alone would ignore them.
 */
const validateSchema = new Ajv({ allErrors: true, extendRefs: true }).compile(JSON.parse(readFileSync(join(__dirname, 'github-workflow.schema.json'), 'utf8')));

export function schemaProblems({ workflow }: WorkflowFile): string[] {
  if (validateSchema(workflow)) return [];
  return (validateSchema.errors ?? []).map((error) => `${error.dataPath || '/'} ${error.message}`);
}

const jobsOf = (workflow: Workflow) => Object.entries(workflow.jobs ?? {});
const stepsOf = (job: Job) => job.steps ?? [];

/** Every action and reusable workflow is pinned to a commit (a tag can be moved), local ones excepted. */
export function unpinnedActions({ workflow }: WorkflowFile): string[] {
  const references = jobsOf(workflow).flatMap(([, job]) => [job.uses, ...stepsOf(job).map((step) => step.uses)]);
  return references.filter((uses): uses is string => uses !== undefined && !uses.startsWith('./') && !/^[^@\s]+@[0-9a-f]{40}$/.test(uses));
}

/** A pinned commit says which release it is, so that a reviewer (and Dependabot) can tell. */
export function pinsWithoutVersionComment({ text }: WorkflowFile): string[] {
  return text
    .split('\n')
    .filter((line) => /^\s*(-\s+)?uses:\s+[^.\s][^@\s]*@[0-9a-f]{40}\b/.test(line))
    .filter((line) => !/#\s*v\d+\.\d+\.\d+\s*$/.test(line))
    .map((line) => line.trim());
}

/** No stored secret but the run's own GITHUB_TOKEN: AWS is reached through OIDC only. */
export function secretReferences({ text }: WorkflowFile): string[] {
  return [...text.matchAll(/\bsecrets\s*(?:\.\s*([\w-]+)|\[\s*['"]?([\w-]*))/g)]
    .map((match) => match[1] ?? match[2])
    .filter((name) => name !== 'GITHUB_TOKEN');
}

const grants = (permissions: Permissions | undefined, scope: string, level: 'write' | 'read') =>
  permissions === 'write-all' ||
  (permissions === 'read-all' && level === 'read') ||
  (typeof permissions === 'object' && (permissions[scope] === 'write' || (level === 'read' && permissions[scope] === 'read')));

const configuresAwsCredentials = (job: Job) => stepsOf(job).some((step) => step.uses?.startsWith(`${AWS_CREDENTIALS_ACTION}@`));

/** An OIDC token only for the jobs that exchange it for AWS credentials, and never for every job. */
export function idTokenProblems({ workflow }: WorkflowFile): string[] {
  const problems = grants(workflow.permissions, 'id-token', 'write') ? ['the workflow grants id-token: write to every job'] : [];
  for (const [name, job] of jobsOf(workflow)) {
    if (grants(job.permissions, 'id-token', 'write') && !configuresAwsCredentials(job)) problems.push(`job ${name} gets id-token: write but configures no AWS credentials`);
  }
  return problems;
}

/** AWS credentials come from a role assumed through OIDC, never from access keys. */
export function accessKeyInputs({ workflow }: WorkflowFile): string[] {
  return jobsOf(workflow).flatMap(([name, job]) =>
    stepsOf(job)
      .filter((step) => step.uses?.startsWith(`${AWS_CREDENTIALS_ACTION}@`) && (step.with?.['aws-access-key-id'] !== undefined || step.with?.['role-to-assume'] === undefined))
      .map(() => `job ${name} configures AWS credentials without role-to-assume, or with access keys`),
  );
}

/** The workflow's default token can at most read: each job asks for what it writes. */
export function topLevelPermissionProblems({ workflow }: WorkflowFile): string[] {
  const { permissions } = workflow;
  if (permissions === undefined) return ['no top-level permissions: the repository default (possibly write-all) applies'];
  if (permissions === 'read-all') return [];
  if (permissions === 'write-all') return ['top-level permissions: write-all'];
  return Object.entries(permissions)
    .filter(([, level]) => level !== 'read' && level !== 'none')
    .map(([scope, level]) => `top-level permissions: ${scope}: ${level}`);
}

/**
 * Deploys never overlap and are never cancelled half-way: a concurrency group on the workflow, or on
 * every job that assumes an AWS role, without cancel-in-progress.
 */
export function deployConcurrencyProblems({ workflow }: WorkflowFile): string[] {
  const check = (where: string, concurrency: Job['concurrency']) => {
    if (concurrency === undefined) return [`${where} has no concurrency group`];
    if (typeof concurrency === 'object' && concurrency['cancel-in-progress'] !== undefined && concurrency['cancel-in-progress'] !== false) {
      return [`${where} cancels a deploy in progress`];
    }
    return [];
  };
  if (workflow.concurrency !== undefined) return check('the workflow', workflow.concurrency);
  const deploying = jobsOf(workflow).filter(([, job]) => configuresAwsCredentials(job));
  if (deploying.length === 0) return ['no job configures AWS credentials'];
  return deploying.flatMap(([name, job]) => check(`job ${name}`, job.concurrency));
}
