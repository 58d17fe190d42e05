import { ASSUMPTIONS, describeAssumptions, type Assumptions } from './assumptions';
import { cents, type CostContext, type CostItems, type CostLine } from './cost-line';
import { auroraServerless, autoModeNodes, eksControlPlane, flowLogs, loadBalancers, managedNodeGroups, natGateways, natInstances } from './infrastructure-items';
import { PRICE_LIST } from './prices';
import type { StackTemplate } from './template-inventory';
import {
  cloudWatchAlarms,
  customMetrics,
  dynamoDbTables,
  eventBuses,
  lambdaFunctions,
  perResourceItems,
  s3Buckets,
  snsTopics,
  sqsQueues,
  storedAssets,
} from './usage-items';
import { awakeShare, describeWorkingHours, type WorkingHours } from './working-hours';

/** Every kind of item, in the order the report lists them within a stack. */
export const COST_ITEMS: readonly CostItems[] = [
  eksControlPlane,
  autoModeNodes,
  managedNodeGroups,
  loadBalancers,
  natGateways,
  natInstances,
  flowLogs,
  auroraServerless,
  lambdaFunctions,
  sqsQueues,
  snsTopics,
  eventBuses,
  dynamoDbTables,
  s3Buckets,
  storedAssets,
  cloudWatchAlarms,
  customMetrics,
  perResourceItems,
];

export interface StackCost {
  readonly stackName: string;
  readonly lines: readonly CostLine[];
  readonly alwaysOn: number;
  readonly sleeping: number;
}

export interface CostEstimate {
  readonly environment: string;
  readonly region: string;
  readonly pricesReadOn: string;
  readonly sleepSchedule: string;
  readonly stacks: readonly StackCost[];
  readonly alwaysOn: number;
  readonly sleeping: number;
  readonly assumptions: readonly string[];
}

export interface EstimateInputs {
  readonly environment: string;
  /** The environment's synthesized stacks. */
  readonly stacks: readonly StackTemplate[];
  readonly workingHours?: WorkingHours;
  readonly assumptions?: Assumptions;
}

function total(costs: readonly { alwaysOn: number; sleeping: number }[]): { alwaysOn: number; sleeping: number } {
  return {
    alwaysOn: cents(costs.reduce((sum, cost) => sum + cost.alwaysOn, 0)),
    sleeping: cents(costs.reduce((sum, cost) => sum + cost.sleeping, 0)),
  };
}

/** The monthly estimate of one environment, per stack and item, from its templates alone (no AWS call). */
export function estimateCost({ environment, stacks, workingHours, assumptions = ASSUMPTIONS }: EstimateInputs): CostEstimate {
  const context: CostContext = { assumptions, awakeShare: awakeShare(workingHours) };
  const stackCosts = stacks
    .map(({ stackName, template }) => {
      const lines = COST_ITEMS.flatMap((items) => items(template, context));
      return { stackName, lines, ...total(lines) };
    })
    .filter((stack) => stack.lines.length > 0);
  return {
    environment,
    region: PRICE_LIST.region,
    pricesReadOn: PRICE_LIST.readOn,
    sleepSchedule: describeWorkingHours(workingHours),
    stacks: stackCosts,
    ...total(stackCosts),
    assumptions: describeAssumptions(assumptions),
  };
}
