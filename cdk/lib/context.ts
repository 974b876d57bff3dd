/**
 * Turns the app's context values (`cdk synth -c name=value`, or `cdk.json`) into stack props,
 * rejecting values that cannot be right before anything is built.
 */
import * as logs from 'aws-cdk-lib/aws-logs';
import { Node } from 'constructs';

import { ActivityAwareStackProps } from './activity-aware-stack';

/** The stack name used when the `stackName` context value is not set. */
export const DEFAULT_STACK_NAME = 'ActivityAware';

/** The app's settings, read from context. */
export interface AppSettings {
  /** The CloudFormation stack name. */
  readonly stackName: string;

  /** Refuse the placeholder code: the functions must have been built. */
  readonly requireBuild: boolean;

  /** The stack props that come from context. */
  readonly props: Omit<ActivityAwareStackProps, 'sourceCode' | 'destinationCode'>;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/**
 * Reads the settings. Every value is optional; unset means the stack's default. A value that
 * is set but empty counts as set: an empty `filterPattern` passes every event.
 */
export function settingsFromContext(node: Node): AppSettings {
  const stackName = text(node, 'stackName') ?? DEFAULT_STACK_NAME;
  if (!STACK_NAME.test(stackName)) {
    throw new Error(
      `context \`stackName\` ${JSON.stringify(stackName)} is not a stack name: start with a letter, then letters, digits or hyphens`,
    );
  }

  return {
    stackName,
    requireBuild: flag(node, 'requireBuild'),
    props: {
      logGroupName: nonEmpty(node, 'logGroupName'),
      createTrail: flag(node, 'createTrail'),
      filterPattern: text(node, 'filterPattern'),
      slackWebhookCiphertext: nonEmpty(node, 'slackWebhookCiphertext'),
      minimumSeverity: nonEmpty(node, 'minimumSeverity'),
      alarmTopicArn: nonEmpty(node, 'alarmTopicArn'),
      logRetention: retention(node, 'logRetentionDays'),
      logLevel: nonEmpty(node, 'logLevel'),
    },
  };
}

function text(node: Node, name: string): string | undefined {
  const value: unknown = node.tryGetContext(name);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new Error(`context \`${name}\` must be a string, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** A value where empty means unset, as make passes variables given without a value. */
function nonEmpty(node: Node, name: string): string | undefined {
  const value = text(node, name);
  return value === '' ? undefined : value;
}

function flag(node: Node, name: string): boolean {
  const value: unknown = node.tryGetContext(name);
  if (
    value === undefined ||
    value === null ||
    value === '' ||
    value === false ||
    value === 'false'
  ) {
    return false;
  }
  if (value === true || value === 'true') {
    return true;
  }
  throw new Error(`context \`${name}\` must be true or false, not ${JSON.stringify(value)}`);
}

function retention(node: Node, name: string): logs.RetentionDays | undefined {
  const value = nonEmpty(node, name);
  if (value === undefined) {
    return undefined;
  }

  const days = Number(value);
  const allowed = Object.values(logs.RetentionDays).filter(
    (entry): entry is logs.RetentionDays => typeof entry === 'number',
  );
  const match = allowed.find((entry) => Number(entry) === days);
  if (match === undefined) {
    throw new Error(
      `context \`${name}\` ${JSON.stringify(value)} is not a retention CloudWatch Logs offers: use one of ${allowed.join(', ')}`,
    );
  }
  return match;
}
