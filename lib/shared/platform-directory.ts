import { CfnOutput } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface PlatformDirectoryProps {
  /** Prefix of the SSM parameter names, like `/mlops-platform/prod`. */
  readonly parameterPrefix: string;
}

/**
 * Publishes what pipelines need to find the platform: each entry becomes a stack output (read by
 * the CLI from `DescribeStacks`) and an SSM parameter (read by pipelines without CloudFormation access).
 */
export class PlatformDirectory extends Construct {
  private readonly parameterPrefix: string;

  constructor(scope: Construct, id: string, props: PlatformDirectoryProps) {
    super(scope, id);
    if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(props.parameterPrefix)) {
      throw new Error(`parameterPrefix must look like /a/b (letters, digits, "_.-"), got "${props.parameterPrefix}"`);
    }
    this.parameterPrefix = props.parameterPrefix;
  }

  /** Publishes `value` as output `outputKey` and as parameter `<prefix>/<parameterPath>`. */
  publish(outputKey: string, parameterPath: string, value: string, description: string): void {
    new CfnOutput(this, outputKey, { key: outputKey, value, description });
    new ssm.StringParameter(this, `${outputKey}Parameter`, {
      parameterName: `${this.parameterPrefix}/${parameterPath}`,
      stringValue: value,
      description,
    });
  }
}
