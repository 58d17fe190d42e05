import {
  DeleteInstanceProfileCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
  type InstanceProfile,
} from '@aws-sdk/client-iam';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../infra/handlers/release-node-role';

const iam = mockClient(IAMClient);
const ROLE = 'hybrid-platform-sandbox-cluster-NodeRole';

const profile = (name: string, roles = [ROLE]): InstanceProfile => ({
  InstanceProfileName: name,
  InstanceProfileId: `AIPA${name.toUpperCase()}`,
  Arn: `arn:aws:iam::123456789012:instance-profile/${name}`,
  Path: '/',
  CreateDate: new Date(0),
  Roles: roles.map((RoleName) => ({ RoleName, RoleId: 'AROA', Arn: `arn:aws:iam::123456789012:role/${RoleName}`, Path: '/', CreateDate: new Date(0) })),
});

const event = (RequestType: 'Create' | 'Update' | 'Delete') =>
  ({ RequestType, ResourceProperties: { ServiceToken: 'arn', RoleName: ROLE }, PhysicalResourceId: ROLE }) as unknown as CloudFormationCustomResourceEvent;

beforeEach(() => {
  iam.reset();
  jest.spyOn(console, 'log').mockImplementation(() => {});
});

describe('releasing the Auto Mode node role on delete', () => {
  it('takes the role out of every instance profile EKS put it in, across pages, and deletes the profiles it was alone in', async () => {
    iam
      .on(ListInstanceProfilesForRoleCommand, { RoleName: ROLE })
      .resolvesOnce({ InstanceProfiles: [profile('eks-builtin')], IsTruncated: true, Marker: 'page-2' })
      .resolvesOnce({ InstanceProfiles: [profile('eks-core-apis'), profile('shared', [ROLE, 'other-role'])], IsTruncated: false });

    await expect(handler(event('Delete'))).resolves.toEqual({ PhysicalResourceId: ROLE });

    expect(iam.commandCalls(RemoveRoleFromInstanceProfileCommand).map((call) => call.args[0].input)).toEqual(
      ['eks-builtin', 'eks-core-apis', 'shared'].map((InstanceProfileName) => ({ InstanceProfileName, RoleName: ROLE })),
    );
    expect(iam.commandCalls(DeleteInstanceProfileCommand).map((call) => call.args[0].input.InstanceProfileName)).toEqual(['eks-builtin', 'eks-core-apis']);
  });

  it('treats a profile that is already gone as released', async () => {
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [profile('eks-builtin')] });
    iam.on(RemoveRoleFromInstanceProfileCommand).rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    iam.on(DeleteInstanceProfileCommand).rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    await expect(handler(event('Delete'))).resolves.toEqual({ PhysicalResourceId: ROLE });
  });

  it('fails the delete on any other error, so CloudFormation reports it instead of failing on the role', async () => {
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [profile('eks-builtin')] });
    iam.on(RemoveRoleFromInstanceProfileCommand).rejects(new Error('AccessDenied'));
    await expect(handler(event('Delete'))).rejects.toThrow('AccessDenied');
  });

  it.each(['Create', 'Update'] as const)('does nothing on %s', async (requestType) => {
    await expect(handler(event(requestType))).resolves.toEqual({ PhysicalResourceId: ROLE });
    expect(iam.calls()).toHaveLength(0);
  });
});
