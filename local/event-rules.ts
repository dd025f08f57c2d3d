import type { CloudFormationTemplate } from './provision-from-template';

/**
 * The template's EventBridge rules that match events by pattern, as the local event router delivers them: each
 * enabled rule with an `EventPattern`, on its bus, with the functions it targets. EventBridge's pattern language is
 * read as far as the template uses it: arrays of exact values, nested objects (`detail`). A content filter (an
 * object in a value array: `prefix`, `anything-but`, ...) is refused, naming the rule, rather than matched wrongly.
 */

/** What EventBridge delivers to a rule's target. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export interface EventRoute {
  readonly ruleLogicalId: string;
  /** The bus's local name; `default` for a rule on the account's default bus. */
  readonly eventBusName: string;
  readonly pattern: EventPattern;
  /** The logical ids of the functions the rule invokes. */
  readonly functionLogicalIds: readonly string[];
  /** How many of its targets are not functions (an SNS topic: alarm notifications), which the router leaves out. */
  readonly otherTargets: number;
}

/** A field's accepted values, or the pattern of a nested object. */
export interface EventPattern {
  readonly [field: string]: readonly (string | number | boolean | null)[] | EventPattern;
}

type Target = { Arn: unknown; Input?: unknown; InputPath?: unknown; InputTransformer?: unknown };
type RuleProperties = { EventPattern?: Record<string, unknown>; EventBusName?: unknown; State?: string; Targets?: Target[] };

/** The rules with a pattern; `names` gives the local name of each provisioned resource a rule refers to. */
export function eventRoutes(template: CloudFormationTemplate, names: ReadonlyMap<string, string>): EventRoute[] {
  return Object.entries(template.Resources).flatMap(([ruleLogicalId, resource]) => {
    const properties = resource.Properties as RuleProperties | undefined;
    if (resource.Type !== 'AWS::Events::Rule' || !properties?.EventPattern || properties.State === 'DISABLED') return [];
    const refer = (value: unknown) => {
      if (typeof value !== 'object' || value === null) return value;
      const name = names.get((value as { Ref?: string }).Ref ?? '');
      if (name === undefined) throw new Error(`rule ${ruleLogicalId} refers to ${JSON.stringify(value)}, which is not provisioned locally`);
      return name;
    };
    const functionLogicalIds: string[] = [];
    for (const target of properties.Targets ?? []) {
      const getAtt = (target.Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (!getAtt || template.Resources[getAtt[0]]?.Type !== 'AWS::Lambda::Function') continue;
      // The function would be handed another payload than the event: not what the router delivers.
      if (target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined) {
        throw new Error(`rule ${ruleLogicalId}: the local platform delivers whole events to functions, not a target's Input, InputPath or InputTransformer`);
      }
      functionLogicalIds.push(getAtt[0]);
    }
    const eventBusName = properties.EventBusName === undefined ? 'default' : String(refer(properties.EventBusName));
    const pattern = readPattern(properties.EventPattern, ruleLogicalId, refer);
    return [{ ruleLogicalId, eventBusName, pattern, functionLogicalIds, otherTargets: (properties.Targets ?? []).length - functionLogicalIds.length }];
  });
}

function readPattern(pattern: Record<string, unknown>, ruleLogicalId: string, refer: (value: unknown) => unknown): EventPattern {
  const read: Record<string, EventPattern[string]> = Object.create(null);
  for (const [field, value] of Object.entries(pattern)) {
    if (!Array.isArray(value)) {
      read[field] = readPattern(value as Record<string, unknown>, ruleLogicalId, refer);
      continue;
    }
    read[field] = value.map((accepted) => {
      const resolved = typeof accepted === 'object' && accepted !== null && 'Ref' in accepted ? refer(accepted) : accepted;
      if (typeof resolved === 'object' && resolved !== null) {
        throw new Error(`rule ${ruleLogicalId}: the local platform matches exact values only, not the filter ${JSON.stringify(accepted)} of ${field}`);
      }
      return resolved as string | number | boolean | null;
    });
  }
  return read;
}

/**
 * Whether `event` matches `pattern` as EventBridge matches it: every field of the pattern is in the event; a value
 * array accepts the event's value when it holds it (or, for an array in the event, one of its elements); an object
 * matches the event's object at that field.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  return Object.entries(pattern).every(([field, accepted]) => {
    if (!Object.hasOwn(event, field)) return false;
    const value = (event as Record<string, unknown>)[field];
    if (!Array.isArray(accepted)) return matchesPattern(accepted as EventPattern, value);
    const values = Array.isArray(value) ? value : [value];
    return values.some((each) => accepted.includes(each as string));
  });
}
