import { eventRoutes, matchesPattern } from '../../local/event-rules';
import type { CloudFormationTemplate } from '../../local/provision-from-template';

const lambdaFunction = { Type: 'AWS::Lambda::Function', Properties: {} };
const rule = (pattern: unknown, target: Record<string, unknown> = {}) => ({
  Type: 'AWS::Events::Rule',
  Properties: { EventPattern: pattern, Targets: [{ Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Id: 'Target0', ...target }] },
});

describe('matchesPattern', () => {
  const pattern = { source: ['a', 'b'], detail: { to: ['IN_SERVICE'], revision: [2], note: [null] } };

  it('matches when every field holds one of its values, nested objects field by field', () => {
    expect(matchesPattern(pattern, { source: 'b', detail: { to: 'IN_SERVICE', revision: 2, note: null, other: 1 } })).toBe(true);
  });

  it('matches an array in the event when one of its elements is accepted, as EventBridge matches resources', () => {
    expect(matchesPattern({ resources: ['arn:x'] }, { resources: ['arn:y', 'arn:x'] })).toBe(true);
    expect(matchesPattern({ resources: ['arn:x'] }, { resources: [] })).toBe(false);
  });

  it('fails a missing field, another value, another type, or a value where an object is expected', () => {
    expect(matchesPattern(pattern, { source: 'b', detail: { to: 'IN_SERVICE', revision: 2 } })).toBe(false);
    expect(matchesPattern(pattern, { source: 'c', detail: { to: 'IN_SERVICE', revision: 2, note: null } })).toBe(false);
    expect(matchesPattern(pattern, { source: 'a', detail: { to: 'IN_SERVICE', revision: '2', note: null } })).toBe(false);
    expect(matchesPattern(pattern, { source: 'a', detail: 'IN_SERVICE' })).toBe(false);
  });
});

describe('eventRoutes', () => {
  it('leaves out a rule with a content filter (prefix, anything-but, ...), saying why, rather than matching it as an exact value', () => {
    const template: CloudFormationTemplate = {
      Resources: { Fn: lambdaFunction, Moves: rule({ detail: { alias: [{ prefix: 'prod' }] } }), Exact: rule({ detail: { alias: ['production'] } }) },
    };

    const { routes, unrouted } = eventRoutes(template, new Map());

    expect(unrouted).toEqual([{ ruleLogicalId: 'Moves', reason: 'the router matches exact values only, not the filter {"prefix":"prod"} of alias' }]);
    expect(routes).toEqual([
      { ruleLogicalId: 'Exact', eventBusName: 'default', pattern: { detail: { alias: ['production'] } }, functionLogicalIds: ['Fn'], otherTargets: 0 },
    ]);
  });

  it('leaves out a rule giving a function another payload than the event (Input, InputPath, InputTransformer)', () => {
    const template: CloudFormationTemplate = { Resources: { Fn: lambdaFunction, Moves: rule({ source: ['a'] }, { InputPath: '$.detail' }) } };

    expect(eventRoutes(template, new Map())).toEqual({
      routes: [],
      unrouted: [{ ruleLogicalId: 'Moves', reason: "the router delivers whole events to functions, not a target's Input, InputPath or InputTransformer" }],
    });
  });

  it('skips disabled rules and schedules', () => {
    const disabled = rule({ source: ['a'] });
    const template: CloudFormationTemplate = {
      Resources: {
        Fn: lambdaFunction,
        Off: { ...disabled, Properties: { ...disabled.Properties, State: 'DISABLED' } },
        Tick: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', Targets: [] } },
      },
    };

    expect(eventRoutes(template, new Map())).toEqual({ routes: [], unrouted: [] });
  });

  it('resolves a reference to a provisioned resource to its local name, and leaves out a rule referring to anything else', () => {
    const template: CloudFormationTemplate = {
      Resources: {
        Fn: lambdaFunction,
        Built: rule({ detail: { project: [{ Ref: 'Project' }] } }),
        Alarmed: rule({ resources: [{ 'Fn::GetAtt': ['Alarm', 'Arn'] }] }),
      },
    };

    const provisioned = eventRoutes(template, new Map([['Project', 'mlops-local-project']]));
    const unprovisioned = eventRoutes(template, new Map());

    expect(provisioned.routes).toMatchObject([{ ruleLogicalId: 'Built', pattern: { detail: { project: ['mlops-local-project'] } } }]);
    expect(provisioned.unrouted).toEqual([
      { ruleLogicalId: 'Alarmed', reason: 'it refers to {"Fn::GetAtt":["Alarm","Arn"]}, which is not provisioned locally' },
    ]);
    expect(unprovisioned.unrouted).toContainEqual({ ruleLogicalId: 'Built', reason: 'it refers to {"Ref":"Project"}, which is not provisioned locally' });
  });
});
