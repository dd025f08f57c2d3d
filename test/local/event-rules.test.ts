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
  it('fails a content filter (prefix, anything-but, ...), naming the rule, rather than matching it as an exact value', () => {
    const template: CloudFormationTemplate = { Resources: { Fn: lambdaFunction, Moves: rule({ detail: { alias: [{ prefix: 'prod' }] } }) } };

    expect(() => eventRoutes(template, new Map())).toThrow(
      'rule Moves: the local platform matches exact values only, not the filter {"prefix":"prod"} of alias',
    );
  });

  it('fails a function target given another payload than the event (Input, InputPath, InputTransformer)', () => {
    const template: CloudFormationTemplate = { Resources: { Fn: lambdaFunction, Moves: rule({ source: ['a'] }, { InputPath: '$.detail' }) } };

    expect(() => eventRoutes(template, new Map())).toThrow('rule Moves: the local platform delivers whole events to functions');
  });

  it('skips disabled rules and schedules, and fails a reference to something not provisioned locally', () => {
    const disabled = { ...rule({ source: ['a'] }), Properties: { ...rule({ source: ['a'] }).Properties, State: 'DISABLED' } };
    const template: CloudFormationTemplate = {
      Resources: { Fn: lambdaFunction, Off: disabled, Tick: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 minute)', Targets: [] } } },
    };
    const onTopic: CloudFormationTemplate = { Resources: { Fn: lambdaFunction, Built: rule({ detail: { project: [{ Ref: 'Project' }] } }) } };

    expect(eventRoutes(template, new Map())).toEqual([]);
    expect(() => eventRoutes(onTopic, new Map())).toThrow('rule Built refers to {"Ref":"Project"}, which is not provisioned locally');
  });
});
