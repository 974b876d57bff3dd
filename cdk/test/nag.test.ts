/** cdk-nag's AWS Solutions checks find nothing unacknowledged in any configuration. */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';

import { newApp, newStack, TestProps } from './support';

const configurations: [string, TestProps][] = [
  ['the defaults', {}],
  ['a created trail', { createTrail: true, minimumSeverity: 'medium' }],
  [
    'an existing alarm topic and a webhook ciphertext',
    {
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
      slackWebhookCiphertext: 'AQIDBAUGBwgJCgsMDQ4PEA==',
    },
  ],
];

describe('cdk-nag AwsSolutionsChecks', () => {
  test.each(configurations)('reports no errors or warnings for %s', (_name, props) => {
    const app = newApp();
    const stack = newStack(props, app);

    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);

    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test.each(configurations)('leaves no CDK warnings or errors for %s', (_name, props) => {
    const annotations = Annotations.fromStack(newStack(props));

    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  test('does report a finding once an acknowledgement is missing', () => {
    const app = newApp();
    const stack = newStack({}, app);
    const role = stack.sourceFunction.role;
    if (role === undefined) {
      throw new Error('the source function has no role');
    }
    // A second wildcard grant nobody acknowledged must surface.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:List*'], resources: [stack.topic.topicArn] }),
    );

    const report = new AwsSolutionsChecks(app).validateScope(stack);

    expect(report.violations.map((violation) => violation.ruleName)).toContain(
      'AwsSolutions-IAM5[Action::sns:List*]',
    );
  });
});
