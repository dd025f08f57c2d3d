import type { CloudFormationTemplate } from './provision-from-template';

/**
 * The template's EventBridge rules that match events by pattern, as the local event router delivers them: each
 * enabled rule with an `EventPattern`, on its bus, with the functions it targets. EventBridge's pattern language is
 * read as far as the template uses it: arrays of exact values, nested objects (`detail`). A rule the router cannot
 * deliver as EventBridge would (a content filter such as `prefix` or `anything-but`, a reference to something not
 * provisioned locally, a function target given a transformed input) is left out with the reason, never matched or
 * delivered wrongly: the platform's are CloudWatch alarms' rules (the monitors' retrain gate), whose events nothing
 * local sends.
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

/** A rule the router leaves out, and why. */
export interface UnroutedRule {
  readonly ruleLogicalId: string;
  readonly reason: string;
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

/** Why the router cannot deliver a rule as EventBridge would. */
class UnroutableRuleError extends Error {}

/** The rules with a pattern, and those left out; `names` gives the local name of each provisioned resource a rule refers to. */
export function eventRoutes(template: CloudFormationTemplate, names: ReadonlyMap<string, string>): { routes: EventRoute[]; unrouted: UnroutedRule[] } {
  const routes: EventRoute[] = [];
  const unrouted: UnroutedRule[] = [];
  for (const [ruleLogicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties as RuleProperties | undefined;
    if (resource.Type !== 'AWS::Events::Rule' || !properties?.EventPattern || properties.State === 'DISABLED') continue;
    try {
      routes.push(readRule(template, ruleLogicalId, properties as Required<Pick<RuleProperties, 'EventPattern'>> & RuleProperties, names));
    } catch (error) {
      if (!(error instanceof UnroutableRuleError)) throw error;
      unrouted.push({ ruleLogicalId, reason: error.message });
    }
  }
  return { routes, unrouted };
}

function readRule(
  template: CloudFormationTemplate,
  ruleLogicalId: string,
  properties: RuleProperties & { EventPattern: Record<string, unknown> },
  names: ReadonlyMap<string, string>,
): EventRoute {
  const refer = (value: unknown) => {
    const name = names.get((value as { Ref?: string }).Ref ?? '');
    if (name === undefined) throw new UnroutableRuleError(`it refers to ${JSON.stringify(value)}, which is not provisioned locally`);
    return name;
  };
  const functionLogicalIds: string[] = [];
  for (const target of properties.Targets ?? []) {
    const getAtt = (target.Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (!getAtt || template.Resources[getAtt[0]]?.Type !== 'AWS::Lambda::Function') continue;
    // The function would be handed another payload than the event: not what the router delivers.
    if (target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined) {
      throw new UnroutableRuleError(`the router delivers whole events to functions, not a target's Input, InputPath or InputTransformer`);
    }
    functionLogicalIds.push(getAtt[0]);
  }
  const eventBusName =
    properties.EventBusName === undefined ? 'default' : typeof properties.EventBusName === 'string' ? properties.EventBusName : refer(properties.EventBusName);
  const pattern = readPattern(properties.EventPattern, refer);
  return { ruleLogicalId, eventBusName, pattern, functionLogicalIds, otherTargets: (properties.Targets ?? []).length - functionLogicalIds.length };
}

function readPattern(pattern: Record<string, unknown>, refer: (value: unknown) => string): EventPattern {
  const read: Record<string, EventPattern[string]> = Object.create(null);
  for (const [field, value] of Object.entries(pattern)) {
    if (!Array.isArray(value)) {
      read[field] = readPattern(value as Record<string, unknown>, refer);
      continue;
    }
    read[field] = value.map((accepted) => {
      if (typeof accepted !== 'object' || accepted === null) return accepted as string | number | boolean | null;
      if ('Ref' in accepted) return refer(accepted);
      if ('Fn::GetAtt' in accepted) throw new UnroutableRuleError(`it refers to ${JSON.stringify(accepted)}, which is not provisioned locally`);
      throw new UnroutableRuleError(`the router matches exact values only, not the filter ${JSON.stringify(accepted)} of ${field}`);
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
