import { DEFAULT_KUBERNETES_VERSION } from './kubernetes';
import type { EnvironmentSettings } from './environment-config';

/**
 * Every environment this platform can be deployed as, selected with `-c env=<name>`.
 * Adding an environment is adding one entry here; it is validated like the others.
 */
export const ENVIRONMENTS = {
  /** The cheapest working shape: 2 AZs, 1 NAT instance, a database that pauses, asleep outside working hours, everything destroyable. */
  sandbox: {
    owner: 'platform-team',
    network: { cidr: '10.0.0.0/16', maxAzs: 2, natProvider: 'instance', natGateways: 1 },
    // Cost levers (README, "What it costs"): burstable nodes, no node and pod metrics, and the
    // authenticator's control-plane log alone (who signed in, not what they changed).
    cluster: {
      kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
      capacity: { type: 'auto-mode', coreApiNodes: 'burstable' },
      containerInsights: 'off',
      controlPlaneLogs: ['authenticator'],
    },
    database: { minCapacity: 0, maxCapacity: 2, readers: 0, backupRetentionDays: 1, deletionProtection: false },
    budget: { monthlyLimitUsd: 300, alertEmail: 'platform-team@example.com' },
    logRetentionDays: 7,
    removalPolicy: 'destroy',
    // 50 awake hours a week; the other 118 the core APIs, their nodes and the database sleep.
    workingHours: { timeZone: 'Europe/Berlin', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'], awakeFrom: '08:00', awakeUntil: '18:00' },
  },
  /** Survives an AZ outage and an accidental `cdk destroy`; never sleeps (no workingHours). */
  prod: {
    owner: 'platform-team',
    network: { cidr: '10.10.0.0/16', maxAzs: 3, natProvider: 'gateway', natGateways: 3 },
    cluster: {
      kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
      capacity: { type: 'auto-mode', coreApiNodes: 'general' },
      containerInsights: 'enhanced',
      controlPlaneLogs: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
    },
    database: { minCapacity: 0.5, maxCapacity: 16, readers: 1, backupRetentionDays: 14, deletionProtection: true },
    budget: { monthlyLimitUsd: 2000, alertEmail: 'platform-team@example.com' },
    logRetentionDays: 90,
    removalPolicy: 'retain',
  },
} satisfies Record<string, EnvironmentSettings>;

export const DEFAULT_ENVIRONMENT = 'sandbox';
