import { PROJECT } from '../../infra/config/naming';
import { outputOf, sandboxChaos } from './chaos-templates';

describe("the orders' chaos experiment", () => {
  const { template } = sandboxChaos();

  it('is described by its hypothesis', () => {
    expect(template('OrdersPodDelete').Properties.Description).toMatch(/^Deleting half of the orders pods does not interrupt ordering/);
  });

  it('deletes half of the orders pods in shop, letting them drain, through the fault-injector account under restricted pod security', () => {
    expect(template('OrdersPodDelete').Properties).toMatchObject({
      Targets: {
        Pods: {
          ResourceType: 'aws:eks:pod',
          SelectionMode: 'PERCENT(50)',
          Parameters: { namespace: 'shop', selectorType: 'labelSelector', selectorValue: 'app.kubernetes.io/name=orders' },
        },
      },
      Actions: {
        DeletePods: {
          ActionId: 'aws:eks:pod-delete',
          Targets: { Pods: 'Pods' },
          Parameters: { kubernetesServiceAccount: 'fault-injector', fisPodSecurityPolicy: 'restricted' },
        },
      },
    });
    expect(template('OrdersPodDelete').Properties.Actions.DeletePods.Parameters).not.toHaveProperty('gracePeriodSeconds');
    expect(template('OrdersPodDelete').Properties.Targets.Pods.Parameters.clusterIdentifier).toEqual(outputOf(`${PROJECT}-sandbox-cluster`, /^PublishOutputRefCluster/));
  });
});
