import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag names a resource ARN in a finding id: `Fn::GetAtt` becomes `<LogicalId.Attr>`,
 * `Ref` becomes `<LogicalId>`, joins are concatenated, and other intrinsics are written as JSON.
 * Lets an acknowledgement name the exact resource it covers instead of a logical id copied from a
 * synth error.
 */
export function nagResourceName(scope: IConstruct, arn: string): string {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as Record<string, unknown>;
    if ('Fn::GetAtt' in intrinsic) return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Ref' in intrinsic) return `<${intrinsic.Ref as string}>`;
    if ('Fn::Join' in intrinsic) {
      const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    // cdk-nag's own fallback for other intrinsics (Fn::Select, Fn::Split, ...).
    return JSON.stringify(value);
  };
  return `Resource::${render(Stack.of(scope).resolve(arn))}`;
}
