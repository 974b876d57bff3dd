/**
 * The Activity Aware stack: a CloudTrail log group's subscription filter feeding the source
 * function, the encrypted topic of messages, and the Slack destination subscribed to it, with
 * dead-letter queues, log retention and alarms.
 */
import * as cdk from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logsDestinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import * as env from './env';
import { MAX_FILTER_PATTERN_LENGTH, readDefaultFilterPattern } from './filter-pattern';

/** The severities a message can carry, lowest first, as in the message contract. */

/**
 * Where the source's package holds the extra Sigma rules from `sources/cloudtrail/rules/custom`
 * (`make build` adds them to the zip; Lambda unpacks it in `/var/task`).
 */
export const PACKAGED_RULES_DIR = '/var/task/rules';
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;

/** One message severity. */
export type Severity = (typeof SEVERITIES)[number];

/** The log group CloudTrail delivers to when set up from the console with its defaults. */
export const DEFAULT_LOG_GROUP_NAME = 'CloudTrail/DefaultLogGroup';

/** The name of the stack parameter holding the webhook ciphertext when no prop sets it. */
export const WEBHOOK_CIPHERTEXT_PARAMETER = 'SlackWebhookCiphertext';

const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Settings of {@link ActivityAwareStack}. */
export interface ActivityAwareStackProps extends cdk.StackProps {
  /** The source function's code: the `source-cloudtrail` binary as `bootstrap`, built for arm64. */
  readonly sourceCode: lambda.Code;

  /** The destination function's code: the `destination-slack` binary as `bootstrap`, for arm64. */
  readonly destinationCode: lambda.Code;

  /**
   * The name of the existing log group CloudTrail delivers to. Excludes `createTrail`.
   *
   * @default 'CloudTrail/DefaultLogGroup', unless `createTrail` is set
   */
  readonly logGroupName?: string;

  /**
   * Create a multi-region trail with log file validation, delivering to a new log group, and
   * watch that log group instead of an existing one. Excludes `logGroupName`.
   *
   * @default false
   */
  readonly createTrail?: boolean;

  /**
   * The CloudWatch Logs filter pattern choosing which events reach the source. The empty pattern
   * passes every event.
   *
   * @default - the pattern in `shared/default-filter-pattern.txt`
   */
  readonly filterPattern?: string;

  /**
   * The Slack webhook URL as base64 KMS ciphertext, encrypted with this stack's key under the
   * encryption context `activity-aware:purpose=slack-webhook`. Never the plain URL.
   *
   * @default - the value of the `SlackWebhookCiphertext` stack parameter
   */
  readonly slackWebhookCiphertext?: string;

  /**
   * The lowest severity the Slack destination receives; lower ones are filtered out by SNS.
   * One of `info`, `low`, `medium`, `high`, `critical`.
   *
   * @default - every message
   */
  readonly minimumSeverity?: string;

  /**
   * The topic alarms notify.
   *
   * @default - a new encrypted topic, given as the `AlarmTopicArn` output
   */
  readonly alarmTopicArn?: string;

  /**
   * How long the functions' logs (and a created trail's log group) are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The functions' log filter, in `tracing_subscriber` syntax.
   *
   * @default 'info'
   */
  readonly logLevel?: string;
}

/** Everything Activity Aware runs in one account and region. */
export class ActivityAwareStack extends cdk.Stack {
  /** The key encrypting the topics, the queues and the webhook ciphertext. */
  public readonly key: kms.Key;

  /** The topic of standardized messages. */
  public readonly topic: sns.Topic;

  /** The source function: CloudWatch Logs subscription events in, messages out. */
  public readonly sourceFunction: lambda.Function;

  /** The destination function: messages in, Slack posts out. */
  public readonly destinationFunction: lambda.Function;

  /** Where the source's failed asynchronous invocations go. */
  public readonly sourceDeadLetterQueue: sqs.Queue;

  /** Where messages go that SNS could not deliver to the destination. */
  public readonly destinationDeadLetterQueue: sqs.Queue;

  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;

  /** The log group the subscription filter watches. */
  public readonly watchedLogGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: ActivityAwareStackProps) {
    super(scope, id, props);

    const settings = validate(props);

    this.key = new kms.Key(this, 'key', {
      description: 'Activity Aware: encrypts the topics, the dead-letter queues and the webhook',
      enableKeyRotation: true,
    });
    this.allowServiceOnKey('AllowSnsToUseTheKeyForQueues', 'sns.amazonaws.com');

    this.topic = new sns.Topic(this, 'topic', {
      displayName: 'Activity Aware messages',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.sourceDeadLetterQueue = this.deadLetterQueue('source-dead-letter-queue');
    this.destinationDeadLetterQueue = this.deadLetterQueue('destination-dead-letter-queue');

    this.sourceFunction = this.source(props.sourceCode, settings);
    this.destinationFunction = this.destination(
      props.destinationCode,
      settings,
      settings.slackWebhookCiphertext ?? this.webhookCiphertextParameter(),
    );

    this.watchedLogGroup = settings.createTrail
      ? this.trail(settings.logRetention)
      : logs.LogGroup.fromLogGroupName(this, 'watched-log-group', settings.logGroupName);

    new logs.SubscriptionFilter(this, 'subscription-filter', {
      logGroup: this.watchedLogGroup,
      destination: new logsDestinations.LambdaDestination(this.sourceFunction),
      filterPattern: logs.FilterPattern.literal(settings.filterPattern),
    });

    this.alarmTopic = this.alarms(settings.alarmTopicArn);
    this.outputs();
  }

  /**
   * Lets an AWS service of this account use the key: SNS to encrypt what it sends to the
   * destination's dead-letter queue, CloudWatch to publish alarms to an encrypted topic.
   */
  private allowServiceOnKey(sid: string, service: string): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
  }

  /** The stack parameter the operator sets to the webhook ciphertext once the key exists. */
  private webhookCiphertextParameter(): string {
    const parameter = new cdk.CfnParameter(this, 'slack-webhook-ciphertext', {
      type: 'String',
      description:
        'The Slack webhook URL as base64 KMS ciphertext (aws kms encrypt with the KeyArn output and the encryption context activity-aware:purpose=slack-webhook); empty until the key exists',
      default: '',
      noEcho: true,
      allowedPattern: BASE64.source,
      constraintDescription:
        'must be the base64 CiphertextBlob from aws kms encrypt, never the URL',
    });
    parameter.overrideLogicalId(WEBHOOK_CIPHERTEXT_PARAMETER);
    return parameter.valueAsString;
  }

  /** A dead-letter queue: encrypted with the key, refusing requests without TLS. */
  private deadLetterQueue(id: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: cdk.Duration.days(14),
    });
    cdk.Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue; a queue behind it would only defer the same alarm',
    });
    return queue;
  }

  /** A function's own log group with the configured retention. */
  private functionLogGroup(id: string, retention: logs.RetentionDays): logs.LogGroup {
    return new logs.LogGroup(this, id, { retention });
  }

  /** A function's role: assumed by Lambda, allowed to write to its own log group only. */
  private functionRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);
    return role;
  }

  /** The source function, allowed to publish to the topic. */
  private source(code: lambda.Code, settings: Settings): lambda.Function {
    const logGroup = this.functionLogGroup('source-log-group', settings.logRetention);
    const role = this.functionRole('source-role', logGroup);

    const fn = new lambda.Function(this, 'source-function', {
      description: 'Activity Aware source: CloudTrail events from CloudWatch Logs to messages',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code,
      role,
      logGroup,
      memorySize: 256,
      timeout: cdk.Duration.seconds(60),
      environment: {
        [env.TOPIC_ARN]: this.topic.topicArn,
        [env.RULES_DIR]: PACKAGED_RULES_DIR,
        [env.LOG_LEVEL]: settings.logLevel,
      },
      deadLetterQueue: this.sourceDeadLetterQueue,
    });

    // The key grant that comes with publishing also lets Lambda write failed asynchronous
    // invocations to the dead-letter queue, which is encrypted with the same key, as this role.
    this.topic.grantPublish(fn);

    cdk.Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'topic.grantPublish grants kms:GenerateDataKey* for the encrypted topic; it covers the GenerateDataKey variants on the one stack key only',
    });

    return fn;
  }

  /** The Slack destination, subscribed to the topic, allowed to decrypt the webhook only. */
  private destination(
    code: lambda.Code,
    settings: Settings,
    webhookCiphertext: string,
  ): lambda.Function {
    const logGroup = this.functionLogGroup('destination-log-group', settings.logRetention);
    const role = this.functionRole('destination-role', logGroup);

    const fn = new lambda.Function(this, 'destination-function', {
      description: 'Activity Aware destination: messages to Slack',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code,
      role,
      logGroup,
      memorySize: 128,
      timeout: cdk.Duration.seconds(30),
      environment: {
        [env.SLACK_WEBHOOK_CIPHERTEXT]: webhookCiphertext,
        [env.LOG_LEVEL]: settings.logLevel,
      },
    });

    // The destination may decrypt the webhook ciphertext and nothing else under this key.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: {
            [`kms:EncryptionContext:${env.WEBHOOK_ENCRYPTION_CONTEXT_KEY}`]:
              env.WEBHOOK_ENCRYPTION_CONTEXT_VALUE,
          },
        },
      }),
    );

    // No other principal may decrypt the webhook, whatever its identity policies say.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyWebhookDecryptionToAllButTheDestination',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            [`kms:EncryptionContext:${env.WEBHOOK_ENCRYPTION_CONTEXT_KEY}`]:
              env.WEBHOOK_ENCRYPTION_CONTEXT_VALUE,
          },
          ArnNotEquals: { 'aws:PrincipalArn': role.roleArn },
        },
      }),
    );

    this.topic.addSubscription(
      new subscriptions.LambdaSubscription(fn, {
        deadLetterQueue: this.destinationDeadLetterQueue,
        filterPolicy: severityFilterPolicy(settings.minimumSeverity),
      }),
    );

    return fn;
  }

  /** A multi-region trail with file validation, delivering to a new log group; returns the latter. */
  private trail(retention: logs.RetentionDays): logs.ILogGroup {
    const accessLogs = new s3.Bucket(this, 'trail-access-log-bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    });
    cdk.Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the trail bucket access logs; logging it to itself would loop',
    });

    const bucket = new s3.Bucket(this, 'trail-bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'trail-bucket/',
    });

    const logGroup = new logs.LogGroup(this, 'trail-log-group', { retention });

    new cloudtrail.Trail(this, 'trail', {
      bucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: logGroup,
    });
    return logGroup;
  }

  /** Alarms on function errors and throttles and on messages waiting in a dead-letter queue. */
  private alarms(alarmTopicArn: string | undefined): sns.ITopic {
    let topic: sns.ITopic;
    if (alarmTopicArn === undefined) {
      topic = new sns.Topic(this, 'alarm-topic', {
        displayName: 'Activity Aware alarms',
        masterKey: this.key,
        enforceSSL: true,
      });
      this.allowServiceOnKey('AllowCloudWatchToUseTheKeyForAlarms', 'cloudwatch.amazonaws.com');
    } else {
      topic = sns.Topic.fromTopicArn(this, 'alarm-topic', alarmTopicArn);
    }
    const action = new cloudwatchActions.SnsAction(topic);

    const functions: [string, lambda.Function][] = [
      ['source', this.sourceFunction],
      ['destination', this.destinationFunction],
    ];
    for (const [name, fn] of functions) {
      const errors = new cloudwatch.Alarm(this, `${name}-errors-alarm`, {
        alarmDescription: `The ${name} function failed at least once in five minutes`,
        metric: fn.metricErrors({ period: cdk.Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const throttles = new cloudwatch.Alarm(this, `${name}-throttles-alarm`, {
        alarmDescription: `The ${name} function was throttled at least once in five minutes`,
        metric: fn.metricThrottles({ period: cdk.Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      errors.addAlarmAction(action);
      throttles.addAlarmAction(action);
    }

    const queues: [string, sqs.Queue][] = [
      ['source', this.sourceDeadLetterQueue],
      ['destination', this.destinationDeadLetterQueue],
    ];
    for (const [name, queue] of queues) {
      const depth = new cloudwatch.Alarm(this, `${name}-dead-letter-queue-alarm`, {
        alarmDescription: `The ${name} dead-letter queue holds messages that were lost`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: cdk.Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      depth.addAlarmAction(action);
    }
    return topic;
  }

  /** The stack outputs, with logical ids that scripts and the README rely on. */
  private outputs(): void {
    const outputs: [string, string, string][] = [
      ['TopicArn', 'The topic of standardized messages', this.topic.topicArn],
      ['SourceFunctionName', 'The source function', this.sourceFunction.functionName],
      [
        'DestinationFunctionName',
        'The Slack destination function',
        this.destinationFunction.functionName,
      ],
      [
        'SourceDeadLetterQueueUrl',
        "The source's failed invocations",
        this.sourceDeadLetterQueue.queueUrl,
      ],
      [
        'SourceDeadLetterQueueArn',
        "The source's failed invocations",
        this.sourceDeadLetterQueue.queueArn,
      ],
      [
        'DestinationDeadLetterQueueUrl',
        'Messages SNS could not deliver to the destination',
        this.destinationDeadLetterQueue.queueUrl,
      ],
      [
        'DestinationDeadLetterQueueArn',
        'Messages SNS could not deliver to the destination',
        this.destinationDeadLetterQueue.queueArn,
      ],
      ['KeyArn', 'The key to encrypt the Slack webhook URL with', this.key.keyArn],
      ['AlarmTopicArn', 'The topic the alarms notify', this.alarmTopic.topicArn],
      [
        'WatchedLogGroupName',
        'The log group the source is subscribed to',
        this.watchedLogGroup.logGroupName,
      ],
    ];
    for (const [name, description, value] of outputs) {
      const output = new cdk.CfnOutput(this, kebab(name), { description, value });
      output.overrideLogicalId(name);
    }
  }
}

/** Props after defaults and checks. */
interface Settings {
  readonly logGroupName: string;
  readonly createTrail: boolean;
  readonly filterPattern: string;
  readonly slackWebhookCiphertext?: string;
  readonly minimumSeverity?: Severity;
  readonly alarmTopicArn?: string;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: string;
}

/** Applies defaults and rejects bad props, naming the option to fix. */
function validate(props: ActivityAwareStackProps): Settings {
  const createTrail = props.createTrail ?? false;
  if (createTrail && props.logGroupName !== undefined) {
    throw new Error(
      '`logGroupName` and `createTrail` exclude each other: watch an existing log group or create a trail, not both',
    );
  }

  const logGroupName = props.logGroupName ?? DEFAULT_LOG_GROUP_NAME;
  if (!cdk.Token.isUnresolved(logGroupName) && !LOG_GROUP_NAME.test(logGroupName)) {
    throw new Error(
      `\`logGroupName\` ${JSON.stringify(logGroupName)} is not a log group name: ` +
        'use 1 to 512 of the characters A-Z a-z 0-9 . - _ / #',
    );
  }

  const filterPattern = props.filterPattern ?? readDefaultFilterPattern();
  if (filterPattern.length > MAX_FILTER_PATTERN_LENGTH) {
    throw new Error(
      `\`filterPattern\` is ${filterPattern.length} characters long; CloudWatch Logs accepts at most ${MAX_FILTER_PATTERN_LENGTH}`,
    );
  }
  if (/[\r\n]/.test(filterPattern)) {
    throw new Error('`filterPattern` must be one line');
  }

  let minimumSeverity: Severity | undefined;
  if (props.minimumSeverity !== undefined) {
    minimumSeverity = SEVERITIES.find((severity) => severity === props.minimumSeverity);
    if (minimumSeverity === undefined) {
      throw new Error(
        `\`minimumSeverity\` ${JSON.stringify(props.minimumSeverity)} is not a severity: use one of ${SEVERITIES.join(', ')}`,
      );
    }
  }

  const alarmTopicArn = props.alarmTopicArn;
  if (
    alarmTopicArn !== undefined &&
    !cdk.Token.isUnresolved(alarmTopicArn) &&
    !SNS_TOPIC_ARN.test(alarmTopicArn)
  ) {
    throw new Error(
      `\`alarmTopicArn\` ${JSON.stringify(alarmTopicArn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`,
    );
  }

  const logLevel = props.logLevel ?? 'info';
  if (logLevel.trim() === '') {
    throw new Error('`logLevel` must not be empty: use e.g. `info` or `debug`');
  }

  return {
    logGroupName,
    createTrail,
    filterPattern,
    slackWebhookCiphertext: webhookCiphertext(props.slackWebhookCiphertext),
    minimumSeverity,
    alarmTopicArn,
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    logLevel,
  };
}

/** The ciphertext prop after checking it is base64 and not a plain URL. */
function webhookCiphertext(ciphertext: string | undefined): string | undefined {
  if (ciphertext !== undefined && !cdk.Token.isUnresolved(ciphertext)) {
    // The message never repeats the value: it may be the secret itself.
    if (/^https?:/i.test(ciphertext.trim())) {
      throw new Error(
        '`slackWebhookCiphertext` holds a plain URL: pass the base64 ciphertext from `aws kms encrypt`, never the URL',
      );
    }
    if (ciphertext === '' || !BASE64.test(ciphertext)) {
      throw new Error(
        '`slackWebhookCiphertext` is not base64: pass the CiphertextBlob printed by `aws kms encrypt`',
      );
    }
  }
  return ciphertext;
}

/** The subscription filter policy letting through `minimum` and every severity above it. */
export function severityFilterPolicy(
  minimum: Severity | undefined,
): { [attribute: string]: sns.SubscriptionFilter } | undefined {
  if (minimum === undefined) {
    return undefined;
  }
  const allowlist = SEVERITIES.slice(SEVERITIES.indexOf(minimum));
  return { severity: sns.SubscriptionFilter.stringFilter({ allowlist }) };
}

function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
