import { deployArgsFromConfig, deployCharts } from './deploy-charts';

/** `pulumi up` in this folder: applies dist/k8s/*.yaml to the cluster of the stack's kubeconfig/context. */
const { charts } = deployCharts(deployArgsFromConfig());

export const appliedCharts = charts.map(({ file, objectCount }) => `${file}: ${objectCount} objects`);
