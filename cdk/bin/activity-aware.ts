#!/usr/bin/env node
/**
 * The CDK app: one Activity Aware stack, configured from context, checked by cdk-nag.
 *
 * The stack is environment-agnostic and makes no lookups, so `cdk synth` runs offline and
 * without credentials.
 */
import * as cdk from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { ActivityAwareStack } from '../lib/activity-aware-stack';
import { functionCode } from '../lib/code';
import { settingsFromContext } from '../lib/context';

function main(): void {
  const app = new cdk.App();
  const settings = settingsFromContext(app.node);

  new ActivityAwareStack(app, settings.stackName, {
    ...settings.props,
    stackName: settings.stackName,
    description: 'Activity Aware: CloudTrail events a team must see, delivered to Slack',
    analyticsReporting: false,
    sourceCode: functionCode('source-cloudtrail', { requireBuild: settings.requireBuild }),
    destinationCode: functionCode('destination-slack', { requireBuild: settings.requireBuild }),
  });

  cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

try {
  main();
} catch (error) {
  // Bad settings are the operator's to fix: say which, without a stack trace.
  console.error(`activity-aware: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
