import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_SESSION } from '../../infra/stacks/github-deploy-role-stack';
import {
  accessKeyInputs,
  deployConcurrencyProblems,
  idTokenProblems,
  pinsWithoutVersionComment,
  readWorkflow,
  schemaProblems,
  secretReferences,
  topLevelPermissionProblems,
  unpinnedActions,
  workflowFromText,
  type WorkflowFile,
} from './workflow-rules';

const ROOT = join(__dirname, '../..');
const WORKFLOWS_DIR = join(ROOT, '.github/workflows');
const workflows = readdirSync(WORKFLOWS_DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => readWorkflow(WORKFLOWS_DIR, name));
const byName = (name: string): WorkflowFile => workflows.find((file) => file.name === name) ?? readWorkflow(WORKFLOWS_DIR, name);

const CHECKOUT = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0';
const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials@61815dcd50bd041e203e49132bacad1fd04d2708 # v5.1.1';

/** A small workflow that keeps every rule; each bad fixture below breaks one. */
const fixture = ({ top = 'permissions: {}', permissions = 'contents: read\n      id-token: write', uses = CHECKOUT, step = `uses: ${AWS_CREDENTIALS}\n        with:\n          role-to-assume: \${{ vars.ROLE }}\n          aws-region: eu-west-1`, extra = '' } = {}) =>
  workflowFromText(
    'fixture.yml',
    `on: push
${top}
jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency: deploy
    permissions:
      ${permissions}
    steps:
      - uses: ${uses}
      - ${step}
${extra}`,
  );

describe('the workflow files', () => {
  it('are the pull-request and deploy workflows', () => {
    expect(workflows.map(({ name }) => name).sort()).toEqual(['deploy.yml', 'pull-request.yml']);
  });

  describe.each(workflows.map((file) => [file.name, file] as const))('%s', (_name, file) => {
    it('is a valid workflow by the GitHub workflow schema', () => expect(schemaProblems(file)).toEqual([]));
    it('pins every action to a full commit SHA', () => expect(unpinnedActions(file)).toEqual([]));
    it('names the release of every pinned commit in a # vX.Y.Z comment', () => expect(pinsWithoutVersionComment(file)).toEqual([]));
    it('uses no secret but GITHUB_TOKEN', () => expect(secretReferences(file)).toEqual([]));
    it('gives an OIDC token only to jobs that configure AWS credentials', () => expect(idTokenProblems(file)).toEqual([]));
    it('configures AWS credentials only by assuming a role', () => expect(accessKeyInputs(file)).toEqual([]));
    it('grants at most read at the top level', () => expect(topLevelPermissionProblems(file)).toEqual([]));
    it('sets up the Node.js of .nvmrc', () => {
      const nodeVersions = file.text.match(/node-version: .*/g) ?? [];
      expect(nodeVersions.length).toBeGreaterThan(0);
      expect(new Set(nodeVersions)).toEqual(new Set([`node-version: ${readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()}`]));
    });
  });

  it('never lets two deploys overlap', () => expect(deployConcurrencyProblems(byName('deploy.yml'))).toEqual([]));

  it('deploys the environment whose GitHub environment the deploy role trusts, the way the README deploys', () => {
    const deploy = byName('deploy.yml').workflow.jobs.deploy as { environment?: string; steps: { run?: string }[] };
    const command = deploy.steps.map((step) => step.run).find((run) => run?.includes('cdk deploy'));
    expect(command).toMatch(/^npx cdk deploy --all --require-approval never( --concurrency \d+)? -c env=(\w+)$/);
    expect(deploy.environment).toBe(/-c env=(\w+)$/.exec(command!)![1]);
  });

  it.each([
    ['deploy.yml', 'deploy', 'vars.AWS_DEPLOY_ROLE_ARN'],
    ['pull-request.yml', 'diff', 'vars.AWS_DIFF_ROLE_ARN'],
  ])('%s skips its %s job until the fork has set %s', (name, job, variable) => {
    const { if: condition } = byName(name).workflow.jobs[job] as { if?: string };
    expect(condition).toContain(`${variable} != ''`);
  });

  it('gives the deploy job credentials that outlast its timeout and that the deploy role grants', () => {
    const deploy = byName('deploy.yml').workflow.jobs.deploy as { 'timeout-minutes'?: number; steps: { uses?: string; with?: Record<string, unknown> }[] };
    const credentials = deploy.steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    const seconds = Number(credentials?.with?.['role-duration-seconds']);
    expect(seconds).toBe(DEPLOY_SESSION.toSeconds());
    expect(deploy['timeout-minutes']! * 60).toBeLessThan(seconds);
  });

  it('skips the diff for pull requests from other repositories, which get no OIDC token', () => {
    const { if: condition } = byName('pull-request.yml').workflow.jobs.diff as { if?: string };
    expect(condition).toContain('github.event.pull_request.head.repo.full_name == github.repository');
  });

  it('lets only the comment job, which runs none of the pull request\'s code, write to the pull request', () => {
    const writers = Object.entries(byName('pull-request.yml').workflow.jobs).filter(([, job]) => typeof job.permissions === 'object' && job.permissions['pull-requests'] === 'write');
    expect(writers.map(([name, job]) => [name, job.steps?.map((step) => step.uses?.split('@')[0])])).toEqual([['comment', ['actions/github-script']]]);
  });
});

describe('each rule rejects a bad workflow', () => {
  it('accepts the good fixture under every rule', () => {
    const good = fixture();
    for (const rule of [schemaProblems, unpinnedActions, pinsWithoutVersionComment, secretReferences, idTokenProblems, accessKeyInputs, topLevelPermissionProblems, deployConcurrencyProblems]) {
      expect([rule.name, rule(good)]).toEqual([rule.name, []]);
    }
  });

  it('schema: an unknown job key, a permission level that does not exist', () => {
    expect(schemaProblems(fixture({ extra: '    timeout: 5' }))).not.toEqual([]);
    expect(schemaProblems(fixture({ permissions: 'contents: admin' }))).not.toEqual([]);
  });

  it.each(['actions/checkout@v5', 'actions/checkout@main', 'actions/checkout@08c6903', 'docker://alpine:3.20'])('pinning: %s', (uses) => {
    expect(unpinnedActions(fixture({ uses }))).toEqual([uses]);
  });

  it('pinning: exempts local actions', () => {
    expect(unpinnedActions(fixture({ uses: './.github/actions/setup' }))).toEqual([]);
  });

  it('version comment: a pinned commit without its release', () => {
    const uses = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8';
    expect(pinsWithoutVersionComment(fixture({ uses }))).toEqual([`- uses: ${uses}`]);
    expect(pinsWithoutVersionComment(fixture({ uses: `${uses} # v5` }))).toEqual([`- uses: ${uses} # v5`]);
  });

  it('secrets: long-lived keys, in any notation; GITHUB_TOKEN passes', () => {
    const step = 'run: aws s3 ls\n        env:\n          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n          KEY: ${{ secrets[\'AWS_SECRET_ACCESS_KEY\'] }}\n          TOKEN: ${{ secrets.GITHUB_TOKEN }}';
    expect(secretReferences(fixture({ step }))).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  });

  it('OIDC token: for a job that configures no AWS credentials, or for every job', () => {
    expect(idTokenProblems(fixture({ step: 'run: npm test' }))).toEqual(['job deploy gets id-token: write but configures no AWS credentials']);
    expect(idTokenProblems(fixture({ top: 'permissions:\n  id-token: write' }))).toEqual(['the workflow grants id-token: write to every job']);
    expect(idTokenProblems(fixture({ top: 'permissions: write-all' }))).toEqual(['the workflow grants id-token: write to every job']);
  });

  it('AWS credentials: access keys instead of a role', () => {
    const step = `uses: ${AWS_CREDENTIALS}\n        with:\n          aws-access-key-id: AKIAEXAMPLE\n          aws-region: eu-west-1`;
    expect(accessKeyInputs(fixture({ step }))).toEqual(['job deploy configures AWS credentials without role-to-assume, or with access keys']);
  });

  it.each([
    ['missing', '', 'no top-level permissions: the repository default (possibly write-all) applies'],
    ['write-all', 'permissions: write-all', 'top-level permissions: write-all'],
    ['a write scope', 'permissions:\n  contents: write', 'top-level permissions: contents: write'],
  ])('top-level permissions: %s', (_case, top, problem) => {
    expect(topLevelPermissionProblems(fixture({ top }))).toEqual([problem]);
  });

  it('top-level permissions: read-all and read scopes pass', () => {
    expect(topLevelPermissionProblems(fixture({ top: 'permissions: read-all' }))).toEqual([]);
    expect(topLevelPermissionProblems(fixture({ top: 'permissions:\n  contents: read' }))).toEqual([]);
  });

  it('deploy concurrency: none, or one that cancels a deploy in progress', () => {
    const withoutGroup = fixture();
    delete (withoutGroup.workflow.jobs.deploy as { concurrency?: unknown }).concurrency;
    expect(deployConcurrencyProblems(withoutGroup)).toEqual(['job deploy has no concurrency group']);
    expect(deployConcurrencyProblems(fixture({ top: 'permissions: {}\nconcurrency:\n  group: deploy\n  cancel-in-progress: true' }))).toEqual(['the workflow cancels a deploy in progress']);
  });
});
