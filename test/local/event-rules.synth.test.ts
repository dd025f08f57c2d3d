import { type BusEvent, eventRoutes, matchesPattern } from '../../local/event-rules';
import type { CloudFormationTemplate } from '../../local/provision-from-template';
import { shapeTemplate } from '../support/synth/shape-templates';

/** The platform's own rules, as the local event router reads them from the synthesized template. */

const template = shapeTemplate('default').toJSON() as CloudFormationTemplate;
const logicalIdOf = (type: string) => Object.keys(template.Resources).find((id) => template.Resources[id].Type === type)!;
const names = new Map([
  [logicalIdOf('AWS::Events::EventBus'), 'mlops-local-platformevents'],
  [logicalIdOf('AWS::CodeBuild::Project'), 'mlops-local-imagesbuild'],
]);
const { routes, unrouted } = eventRoutes(template, names);
const serviceOf = (logicalId: string) => template.Resources[logicalId].Properties?.Environment.Variables.POWERTOOLS_SERVICE_NAME;

const event = (source: string, detailType: string, detail: unknown): BusEvent => ({
  version: '0',
  id: 'e1',
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: '2026-12-07T03:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});
/** The functions an event on `bus` reaches, by service name. */
const reached = (routed: BusEvent, bus = 'mlops-local-platformevents') =>
  routes
    .filter((route) => route.eventBusName === bus && matchesPattern(route.pattern, routed))
    .flatMap((route) => route.functionLogicalIds.map(serviceOf))
    .sort();
const aliasMoved = (alias: string) => event('mlops-platform.registry', 'ModelAliasChanged', { name: 'churn', alias, version: 2, previousVersion: 1 });
const deployment = (to: string) => event('mlops-platform.deployments', 'DeploymentStateChanged', { name: 'churn', revision: 2, from: 'UPDATING', to });

describe('eventRoutes of the platform template', () => {
  it('delivers a move of the approval alias (production) to DeploymentEvents and ImageEvents, any other alias to DeploymentEvents only', () => {
    expect(reached(aliasMoved('production'))).toEqual(['DeploymentEvents', 'ImageEvents']);
    expect(reached(aliasMoved('staging'))).toEqual(['DeploymentEvents']);
  });

  it('delivers a deployment going IN_SERVICE or DELETED to MonitorEvents, and no other state change to a function', () => {
    expect(reached(deployment('IN_SERVICE'))).toEqual(['MonitorEvents']);
    expect(reached(deployment('DELETED'))).toEqual(['MonitorEvents']);
    expect(reached(deployment('UPDATING'))).toEqual([]);
  });

  it("leaves the alarm topic's rule (FAILED, ROLLING_BACK) without functions, counting its SNS target", () => {
    const rollingBack = routes.filter((route) => matchesPattern(route.pattern, deployment('ROLLING_BACK')));

    expect(rollingBack).toEqual([expect.objectContaining({ eventBusName: 'mlops-local-platformevents', functionLogicalIds: [], otherTargets: 1 })]);
  });

  it("matches the platform's events on its own bus only, and CodeBuild's of the platform's project on the default bus", () => {
    const build = event('aws.codebuild', 'CodeBuild Build State Change', { 'project-name': 'mlops-local-imagesbuild', 'build-status': 'SUCCEEDED' });

    expect(reached(aliasMoved('production'), 'default')).toEqual([]);
    expect(reached(build, 'default')).toEqual(['ImageEvents']);
    expect(reached({ ...build, detail: { 'project-name': 'someone-elses' } }, 'default')).toEqual([]);
  });

  it('routes every rule of the platform', () => {
    expect(unrouted).toEqual([]);
  });

  it("leaves out a monitor's retrain rule (a CloudWatch alarm's event, handed on transformed), saying why", () => {
    const monitors = shapeTemplate('monitors').toJSON() as CloudFormationTemplate;
    const monitorNames = new Map(
      Object.keys(monitors.Resources)
        .filter((id) => ['AWS::Events::EventBus', 'AWS::CodeBuild::Project'].includes(monitors.Resources[id].Type))
        .map((id) => [id, id]),
    );

    const read = eventRoutes(monitors, monitorNames);

    expect(read.unrouted).toEqual([
      { ruleLogicalId: expect.stringMatching(/^MonitoringchurnprodRetrainOnDrift/), reason: expect.stringContaining('InputTransformer') },
    ]);
    expect(read.routes.map(({ ruleLogicalId }) => ruleLogicalId).sort()).toEqual(routes.map(({ ruleLogicalId }) => ruleLogicalId).sort());
  });
});
