/** The resources of the Activity Aware stack, one behaviour per test. */
import * as fs from 'fs';
import * as path from 'path';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Match, Template } from 'aws-cdk-lib/assertions';

import * as env from '../lib/env';
import { logicalId, resources, template } from './support';

const DEFAULT_PATTERN_FILE = path.join(
  __dirname,
  '..',
  '..',
  'shared',
  'default-filter-pattern.txt',
);
const CIPHERTEXT = 'AQICAHhSZWFsbHlOb3RBS2V5QnV0QmFzZTY0AAAAAA==';

function defaultPattern(): string {
  return fs.readFileSync(DEFAULT_PATTERN_FILE, 'utf8').trim();
}

describe('functions', () => {
  const tmpl = template();

  test.each(['sourcefunction', 'destinationfunction'])(
    '%s runs on provided.al2023 for arm64 with the bootstrap handler',
    (prefix) => {
      const id = logicalId(tmpl, 'AWS::Lambda::Function', prefix);
      expect(resources(tmpl)[id].Properties).toMatchObject({
        Runtime: 'provided.al2023',
        Architectures: ['arm64'],
        Handler: 'bootstrap',
      });
    },
  );

  test('there are exactly two functions', () => {
    tmpl.resourceCountIs('AWS::Lambda::Function', 2);
  });

  test('the source is told the topic and sends failed invocations to its queue', () => {
    const topic = logicalId(tmpl, 'AWS::SNS::Topic', 'topic');
    const queue = logicalId(tmpl, 'AWS::SQS::Queue', 'sourcedeadletterqueue');
    tmpl.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [env.TOPIC_ARN]: { Ref: topic },
          [env.RULES_DIR]: '/var/task/rules',
          [env.LOG_LEVEL]: 'info',
        },
      },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } },
    });
  });

  test('the destination reads the webhook ciphertext from the stack parameter by default', () => {
    tmpl.hasParameter('SlackWebhookCiphertext', { Type: 'String', NoEcho: true, Default: '' });
    tmpl.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { [env.SLACK_WEBHOOK_CIPHERTEXT]: { Ref: 'SlackWebhookCiphertext' } },
      },
    });
  });

  test('the destination gets the ciphertext prop verbatim when set', () => {
    template({ slackWebhookCiphertext: CIPHERTEXT }).hasResourceProperties(
      'AWS::Lambda::Function',
      { Environment: { Variables: { [env.SLACK_WEBHOOK_CIPHERTEXT]: CIPHERTEXT } } },
    );
  });

  test('each function logs to its own log group kept 90 days', () => {
    for (const prefix of ['sourcefunction', 'destinationfunction']) {
      const fn = resources(tmpl)[logicalId(tmpl, 'AWS::Lambda::Function', prefix)];
      const group = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources(tmpl)[group]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 90 },
      });
    }
  });

  test('log retention follows the prop', () => {
    const tmpl30 = template({ logRetention: logs.RetentionDays.ONE_MONTH });
    expect(
      Object.keys(
        tmpl30.findResources('AWS::Logs::LogGroup', {
          Properties: { RetentionInDays: 30 },
        }),
      ),
    ).toHaveLength(2);
  });
});

describe('topic and key', () => {
  const tmpl = template();

  test('the key rotates', () => {
    tmpl.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the topic is encrypted with the key', () => {
    const key = logicalId(tmpl, 'AWS::KMS::Key', 'key');
    tmpl.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Activity Aware messages',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
  });

  test('the topic refuses requests without TLS', () => {
    const topic = logicalId(tmpl, 'AWS::SNS::Topic', 'topic');
    tmpl.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('the source may publish to the topic', () => {
    const topic = logicalId(tmpl, 'AWS::SNS::Topic', 'topic');
    const role = logicalId(tmpl, 'AWS::IAM::Role', 'sourcerole');
    tmpl.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topic } }),
        ]),
      },
    });
  });

  test('the destination may decrypt only under the webhook encryption context', () => {
    const key = logicalId(tmpl, 'AWS::KMS::Key', 'key');
    const role = logicalId(tmpl, 'AWS::IAM::Role', 'destinationrole');
    tmpl.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [key, 'Arn'] },
            Condition: {
              StringEquals: { 'kms:EncryptionContext:activity-aware:purpose': 'slack-webhook' },
            },
          }),
        ]),
      },
    });
  });

  test('the key policy lets SNS encrypt for the dead-letter queue and CloudWatch for alarms', () => {
    for (const service of ['sns.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      tmpl.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: service },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            }),
          ]),
        },
      });
    }
  });

  test('CloudWatch gets no use of the key when the alarm topic is not the stack own', () => {
    const policy = JSON.stringify(
      template({ alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms' }).findResources(
        'AWS::KMS::Key',
      ),
    );
    expect(policy).not.toContain('cloudwatch.amazonaws.com');
    expect(policy).toContain('sns.amazonaws.com');
  });

  test('the key policy denies webhook decryption to every other principal', () => {
    const role = logicalId(tmpl, 'AWS::IAM::Role', 'destinationrole');
    tmpl.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'kms:Decrypt',
            Principal: { AWS: '*' },
            Condition: {
              StringEquals: { 'kms:EncryptionContext:activity-aware:purpose': 'slack-webhook' },
              ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [role, 'Arn'] } },
            },
          }),
        ]),
      },
    });
  });
});

describe('subscription filter', () => {
  test('watches CloudTrail/DefaultLogGroup with the pattern of the shared file', () => {
    const tmpl = template();
    const source = logicalId(tmpl, 'AWS::Lambda::Function', 'sourcefunction');
    tmpl.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: 'CloudTrail/DefaultLogGroup',
      FilterPattern: defaultPattern(),
      DestinationArn: { 'Fn::GetAtt': [source, 'Arn'] },
    });
  });

  test('the shared default pattern is the access denied pattern', () => {
    expect(defaultPattern()).toContain('AccessDenied');
  });

  test('lets only that log group invoke the source', () => {
    const tmpl = template({ logGroupName: 'org/trail' });
    const source = logicalId(tmpl, 'AWS::Lambda::Function', 'sourcefunction');
    tmpl.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [source, 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':logs:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':log-group:org/trail:*',
          ],
        ],
      },
    });
  });

  test('takes the pattern from the prop, and the empty pattern passes every event', () => {
    template({ filterPattern: '{ $.eventName = "DeleteTrail" }' }).hasResourceProperties(
      'AWS::Logs::SubscriptionFilter',
      { FilterPattern: '{ $.eventName = "DeleteTrail" }' },
    );
    template({ filterPattern: '' }).hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      FilterPattern: '',
    });
  });
});

describe('destination subscription', () => {
  test('subscribes the destination with a dead-letter queue', () => {
    const tmpl = template();
    const destination = logicalId(tmpl, 'AWS::Lambda::Function', 'destinationfunction');
    const queue = logicalId(tmpl, 'AWS::SQS::Queue', 'destinationdeadletterqueue');
    tmpl.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [destination, 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } },
      FilterPolicy: Match.absent(),
    });
  });

  test('lets the topic send to the dead-letter queue', () => {
    const tmpl = template();
    const queue = logicalId(tmpl, 'AWS::SQS::Queue', 'destinationdeadletterqueue');
    const topic = logicalId(tmpl, 'AWS::SNS::Topic', 'topic');
    tmpl.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topic } } },
          }),
        ]),
      },
    });
  });

  test('filters on severity from the minimum up when minimumSeverity is set', () => {
    template({ minimumSeverity: 'high' }).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      FilterPolicy: { severity: ['high', 'critical'] },
    });
  });

  test.each(['sourcedeadletterqueue', 'destinationdeadletterqueue'])(
    '%s is encrypted with the key and refuses requests without TLS',
    (prefix) => {
      const tmpl = template();
      const queue = logicalId(tmpl, 'AWS::SQS::Queue', prefix);
      const key = logicalId(tmpl, 'AWS::KMS::Key', 'key');
      expect(resources(tmpl)[queue].Properties).toMatchObject({
        KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
      tmpl.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    },
  );
});

describe('alarms', () => {
  const expected: [string, string, string][] = [
    ['Errors', 'AWS/Lambda', 'sourcefunction'],
    ['Throttles', 'AWS/Lambda', 'sourcefunction'],
    ['Errors', 'AWS/Lambda', 'destinationfunction'],
    ['Throttles', 'AWS/Lambda', 'destinationfunction'],
    ['ApproximateNumberOfMessagesVisible', 'AWS/SQS', 'sourcedeadletterqueue'],
    ['ApproximateNumberOfMessagesVisible', 'AWS/SQS', 'destinationdeadletterqueue'],
  ];

  test.each(expected)('alarms on %s of %s for %s, notifying the alarm topic', (metric, ns, p) => {
    const tmpl = template();
    const type = ns === 'AWS/SQS' ? 'AWS::SQS::Queue' : 'AWS::Lambda::Function';
    const target = logicalId(tmpl, type, p);
    const alarmTopic = logicalId(tmpl, 'AWS::SNS::Topic', 'alarmtopic');
    tmpl.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metric,
      Namespace: ns,
      Dimensions: [
        { Value: ns === 'AWS/SQS' ? { 'Fn::GetAtt': [target, 'QueueName'] } : { Ref: target } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: alarmTopic }],
    });
  });

  test('there are six alarms', () => {
    template().resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });

  test('the created alarm topic is encrypted and refuses requests without TLS', () => {
    const tmpl = template();
    const key = logicalId(tmpl, 'AWS::KMS::Key', 'key');
    const alarmTopic = logicalId(tmpl, 'AWS::SNS::Topic', 'alarmtopic');
    tmpl.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Activity Aware alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
    tmpl.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: alarmTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('an existing alarm topic replaces the created one', () => {
    const arn = 'arn:aws:sns:eu-west-1:111122223333:team-alarms';
    const tmpl = template({ alarmTopicArn: arn });
    tmpl.resourceCountIs('AWS::SNS::Topic', 1);
    expect(
      Object.keys(
        tmpl.findResources('AWS::CloudWatch::Alarm', {
          Properties: { AlarmActions: [arn] },
        }),
      ),
    ).toHaveLength(6);
  });
});

describe('created trail', () => {
  const tmpl = template({ createTrail: true });

  test('is multi-region with log file validation, delivering to a new log group', () => {
    const group = logicalId(tmpl, 'AWS::Logs::LogGroup', 'trailloggroup');
    tmpl.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      IncludeGlobalServiceEvents: true,
      CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [group, 'Arn'] },
    });
    tmpl.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: group },
      FilterPattern: defaultPattern(),
    });
  });

  test('writes to an encrypted bucket that refuses requests without TLS and logs access', () => {
    const bucket = logicalId(tmpl, 'AWS::S3::Bucket', 'trailbucket');
    const accessLogs = logicalId(tmpl, 'AWS::S3::Bucket', 'trailaccesslogbucket');
    expect(resources(tmpl)[bucket].Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogs } },
    });
    tmpl.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('outputs', () => {
  test.each([
    'TopicArn',
    'SourceFunctionName',
    'DestinationFunctionName',
    'SourceDeadLetterQueueUrl',
    'SourceDeadLetterQueueArn',
    'DestinationDeadLetterQueueUrl',
    'DestinationDeadLetterQueueArn',
    'KeyArn',
    'AlarmTopicArn',
  ])('%s is an output', (name) => {
    expect(Object.keys(template().findOutputs(name))).toEqual([name]);
  });

  test('SourceFunctionName names the source function', () => {
    const tmpl = template();
    const source = logicalId(tmpl, 'AWS::Lambda::Function', 'sourcefunction');
    tmpl.hasOutput('SourceFunctionName', { Value: { Ref: source } });
  });
});

describe('least privilege', () => {
  interface Statement {
    Effect: string;
    Action: string | string[];
    Principal?: unknown;
  }

  /** Every Allow action holding a `*`, as `<logical id>: <action>`. */
  function wildcardAllows(tmpl: Template): string[] {
    const found: string[] = [];
    const resources = tmpl.toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    for (const [id, resource] of Object.entries(resources)) {
      const props = resource.Properties ?? {};
      const documents: unknown[] = [props.PolicyDocument, props.KeyPolicy];
      for (const inline of (props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
        documents.push(inline.PolicyDocument);
      }
      for (const document of documents) {
        const statements = (document as { Statement?: Statement[] } | undefined)?.Statement ?? [];
        for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
          const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
          for (const action of actions.filter((a) => a.includes('*'))) {
            found.push(`${id.replace(/[0-9A-F]{8}$/, '')}: ${action}`);
          }
        }
      }
    }
    return found.sort();
  }

  // The key's account statement (kms:*) is what lets IAM policies grant use of the key at all;
  // grantPublish asks for kms:GenerateDataKey* on the one key, acknowledged in cdk-nag.
  const allowed = ['key: kms:*', 'sourceroleDefaultPolicy: kms:GenerateDataKey*'];

  test('no policy allows an action with a wildcard beyond the two known ones', () => {
    expect(wildcardAllows(template())).toEqual(allowed);
  });

  test('the created trail adds no wildcard action', () => {
    expect(wildcardAllows(template({ createTrail: true }))).toEqual(allowed);
  });

  test('the walk sees wildcards in identity policies', () => {
    const stack = template();
    const json = stack.toJSON() as { Resources: Record<string, { Type: string }> };
    expect(Object.values(json.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')).toHaveLength(
      2,
    );
  });
});

describe('the webhook URL', () => {
  const url = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

  test('never appears in the template', () => {
    const text = JSON.stringify(template({ slackWebhookCiphertext: CIPHERTEXT }).toJSON());
    expect(text).not.toContain('hooks.slack.com');
    expect(text).not.toContain(url);
    expect(text).toContain(CIPHERTEXT);
  });

  test('is refused as the ciphertext, without repeating it in the error', () => {
    let message = '';
    try {
      template({ slackWebhookCiphertext: url });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('`slackWebhookCiphertext` holds a plain URL');
    expect(message).not.toContain('hooks.slack.com');
  });

  test('no variable of the plain URL is set on any function', () => {
    const fns = template({ slackWebhookCiphertext: CIPHERTEXT }).findResources(
      'AWS::Lambda::Function',
    );
    for (const fn of Object.values(fns) as {
      Properties: { Environment: { Variables: object } };
    }[]) {
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain(env.SLACK_WEBHOOK_URL);
    }
  });
});

describe('invalid props', () => {
  test.each([
    [
      'an existing log group and a created trail',
      { logGroupName: 'CloudTrail/DefaultLogGroup', createTrail: true },
      '`logGroupName` and `createTrail` exclude each other',
    ],
    ['a log group name with a space', { logGroupName: 'my trail' }, '`logGroupName` "my trail"'],
    ['an empty log group name', { logGroupName: '' }, '`logGroupName` ""'],
    [
      'a filter pattern over 1024 characters',
      { filterPattern: 'x'.repeat(1025) },
      '`filterPattern` is 1025 characters long',
    ],
    [
      'a filter pattern of two lines',
      { filterPattern: 'a\nb' },
      '`filterPattern` must be one line',
    ],
    ['an unknown severity', { minimumSeverity: 'severe' }, '`minimumSeverity` "severe"'],
    ['an alarm topic that is no ARN', { alarmTopicArn: 'alarms' }, '`alarmTopicArn` "alarms"'],
    [
      'a ciphertext that is not base64',
      { slackWebhookCiphertext: 'not base64!' },
      '`slackWebhookCiphertext` is not base64',
    ],
    ['an empty log level', { logLevel: ' ' }, '`logLevel` must not be empty'],
  ])('%s throws, naming the option', (_name, props, message) => {
    expect(() => template(props)).toThrow(message);
  });

  test('a filter pattern of exactly 1024 characters is accepted', () => {
    template({ filterPattern: 'x'.repeat(1024) }).hasResourceProperties(
      'AWS::Logs::SubscriptionFilter',
      { FilterPattern: 'x'.repeat(1024) },
    );
  });
});
