/** Context values become stack props; the functions' code falls back to a placeholder. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

import { functionCode, UNBUILT_ASSET_DIR } from '../lib/code';
import { settingsFromContext } from '../lib/context';
import { readDefaultFilterPattern } from '../lib/filter-pattern';

function settings(context: Record<string, unknown>): ReturnType<typeof settingsFromContext> {
  return settingsFromContext(new cdk.App({ context }).node);
}

describe('settings from context', () => {
  test('an empty context gives the defaults', () => {
    expect(settings({})).toEqual({
      stackName: 'ActivityAware',
      requireBuild: false,
      props: {
        logGroupName: undefined,
        createTrail: false,
        filterPattern: undefined,
        slackWebhookCiphertext: undefined,
        minimumSeverity: undefined,
        alarmTopicArn: undefined,
        logRetention: undefined,
        logLevel: undefined,
      },
    });
  });

  test('every value is read', () => {
    const read = settings({
      stackName: 'ActivityAware-Test',
      requireBuild: 'true',
      logGroupName: 'org/trail',
      createTrail: 'false',
      filterPattern: '{ $.eventName = "DeleteTrail" }',
      slackWebhookCiphertext: 'AQID',
      minimumSeverity: 'high',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
      logRetentionDays: '30',
      logLevel: 'debug',
    });
    expect(read.stackName).toBe('ActivityAware-Test');
    expect(read.requireBuild).toBe(true);
    expect(read.props).toEqual({
      logGroupName: 'org/trail',
      createTrail: false,
      filterPattern: '{ $.eventName = "DeleteTrail" }',
      slackWebhookCiphertext: 'AQID',
      minimumSeverity: 'high',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
      logRetention: logs.RetentionDays.ONE_MONTH,
      logLevel: 'debug',
    });
  });

  test('an empty filter pattern stays empty, other empty values mean unset', () => {
    const read = settings({ filterPattern: '', minimumSeverity: '', logGroupName: '' });
    expect(read.props.filterPattern).toBe('');
    expect(read.props.minimumSeverity).toBeUndefined();
    expect(read.props.logGroupName).toBeUndefined();
  });

  test.each([
    [{ stackName: '1stack' }, 'context `stackName` "1stack"'],
    [{ createTrail: 'yes' }, 'context `createTrail` must be true or false, not "yes"'],
    [{ logRetentionDays: '31' }, 'context `logRetentionDays` "31" is not a retention'],
    [{ minimumSeverity: 3 }, 'context `minimumSeverity` must be a string, not 3'],
  ])('%j is refused', (context, message) => {
    expect(() => settings(context)).toThrow(message);
  });
});

describe('function code', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activity-aware-build-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function assetPath(code: ReturnType<typeof functionCode>): string {
    return (code as unknown as { path: string }).path;
  }

  test('uses the built zip when there is one', () => {
    const zip = path.join(dir, 'source-cloudtrail.zip');
    fs.writeFileSync(zip, 'zip');
    expect(assetPath(functionCode('source-cloudtrail', { buildDir: dir }))).toBe(zip);
  });

  test('falls back to the placeholder without a build', () => {
    expect(assetPath(functionCode('source-cloudtrail', { buildDir: dir }))).toBe(UNBUILT_ASSET_DIR);
  });

  test('refuses the placeholder when the build is required', () => {
    expect(() => functionCode('source-cloudtrail', { buildDir: dir, requireBuild: true })).toThrow(
      'source-cloudtrail.zip is missing and `requireBuild` is set: run `make build`',
    );
  });

  test('the placeholder fails loudly when invoked', () => {
    const script = fs.readFileSync(path.join(UNBUILT_ASSET_DIR, 'bootstrap'), 'utf8');
    expect(script).toContain('this package was synthesized without `make build`');
    expect(script).toContain('exit 1');
    expect(fs.statSync(path.join(UNBUILT_ASSET_DIR, 'bootstrap')).mode & 0o111).toBe(0o111);
  });
});

describe('default filter pattern', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activity-aware-pattern-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is the line of the file without its line ending', () => {
    const file = path.join(dir, 'pattern.txt');
    fs.writeFileSync(file, '{ $.errorCode = "AccessDenied*" }\n');
    expect(readDefaultFilterPattern(file)).toBe('{ $.errorCode = "AccessDenied*" }');
  });

  test('a file of two lines is refused', () => {
    const file = path.join(dir, 'pattern.txt');
    fs.writeFileSync(file, 'a\nb\n');
    expect(() => readDefaultFilterPattern(file)).toThrow('must hold exactly one line');
  });

  test('a missing file is refused, naming the option that replaces it', () => {
    expect(() => readDefaultFilterPattern(path.join(dir, 'absent.txt'))).toThrow(
      'set `filterPattern` or restore the file',
    );
  });
});
