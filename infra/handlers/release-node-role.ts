import {
  DeleteInstanceProfileCommand,
  IAMClient,
  NoSuchEntityException,
  paginateListInstanceProfilesForRole,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * Custom resource handler (see infra/constructs/node-role-release.ts): on Delete, takes the Auto
 * Mode node role out of the instance profiles EKS made for it, and deletes those profiles once
 * empty, so that CloudFormation can delete the role. Create and Update do nothing.
 */

/** The profiles the role was taken out of, and those of them deleted. */
export interface Released {
  readonly removedFrom: string[];
  readonly deleted: string[];
}

export async function releaseRole(iam: IAMClient, roleName: string): Promise<Released> {
  const removedFrom: string[] = [];
  const deleted: string[] = [];
  for await (const page of paginateListInstanceProfilesForRole({ client: iam }, { RoleName: roleName })) {
    for (const profile of page.InstanceProfiles ?? []) {
      const name = profile.InstanceProfileName!;
      await ignoreMissing(iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: roleName })));
      removedFrom.push(name);
      // Only a profile our role alone was in: anything with another role in it is not ours to delete.
      if ((profile.Roles ?? []).every((role) => role.RoleName === roleName)) {
        await ignoreMissing(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })));
        deleted.push(name);
      }
    }
  }
  return { removedFrom, deleted };
}

/** Someone else (EKS, finishing late) may have got there first: that is the outcome we want. */
async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof NoSuchEntityException)) throw error;
  }
}

const iam = new IAMClient({});

export async function handler(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string }> {
  const roleName = String(event.ResourceProperties.RoleName);
  if (event.RequestType === 'Delete') {
    console.log(JSON.stringify({ message: 'released the node role', roleName, ...(await releaseRole(iam, roleName)) }));
  }
  return { PhysicalResourceId: roleName };
}
