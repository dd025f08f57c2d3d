import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag names a resource ARN in a finding id: `Fn::GetAtt` becomes `<LogicalId.Attr>`,
 * `Ref` becomes `<LogicalId>`, and joins are concatenated. Lets an acknowledgement name the exact
 * resource it covers instead of a logical id copied from a synth error.
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
    throw new Error(`cannot name ${JSON.stringify(value)} for cdk-nag`);
  };
  return `Resource::${render(Stack.of(scope).resolve(arn))}`;
}
