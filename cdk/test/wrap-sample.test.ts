/** `scripts/wrap-sample.py` turns samples into the events CloudWatch Logs sends. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'wrap-sample.py');

interface LogsData {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

const EVENT = {
  eventVersion: '1.08',
  eventTime: '2024-05-01T12:00:00Z',
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  awsRegion: 'eu-west-1',
  errorCode: 'AccessDenied',
  recipientAccountId: '111122223333',
};

describe('wrap-sample.py', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activity-aware-wrap-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function wrap(sample: unknown): { status: number | null; stdout: string; stderr: string } {
    const file = path.join(dir, 'sample.json');
    fs.writeFileSync(file, JSON.stringify(sample));
    const run = spawnSync('python3', [SCRIPT, file], { encoding: 'utf8' });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  function decode(stdout: string): LogsData {
    const event = JSON.parse(stdout) as { awslogs: { data: string } };
    expect(event.awslogs.data.length % 4).toBe(0);
    return JSON.parse(
      zlib.gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString(),
    ) as LogsData;
  }

  test('wraps a single CloudTrail event into one log event', () => {
    const run = wrap(EVENT);
    expect(run.status).toBe(0);

    const data = decode(run.stdout);
    expect(data.messageType).toBe('DATA_MESSAGE');
    expect(data.owner).toBe('111122223333');
    expect(data.logGroup).toBe('CloudTrail/DefaultLogGroup');
    expect(data.logStream).toBe('111122223333_CloudTrail_eu-west-1');
    expect(data.logEvents).toHaveLength(1);
    expect(data.logEvents[0].timestamp).toBe(Date.parse('2024-05-01T12:00:00Z'));
    expect(data.logEvents[0].id).toMatch(/^\d{56}$/);
    expect(JSON.parse(data.logEvents[0].message)).toEqual(EVENT);
  });

  test('wraps every record of a log file, with distinct ids', () => {
    const second = { ...EVENT, eventName: 'GetCallerIdentity' };
    const data = decode(wrap({ Records: [EVENT, second] }).stdout);
    expect(
      data.logEvents.map((e) => (JSON.parse(e.message) as { eventName: string }).eventName),
    ).toEqual(['AssumeRole', 'GetCallerIdentity']);
    expect(new Set(data.logEvents.map((e) => e.id)).size).toBe(2);
  });

  test('passes a subscription event through unchanged', () => {
    const event = { awslogs: { data: 'H4sIAAAAAAAA/wMAAAAAAAAAAAA=' } };
    expect(JSON.parse(wrap(event).stdout)).toEqual(event);
  });

  test('refuses anything else, saying what it expected', () => {
    const run = wrap({ hello: 'world' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('neither a CloudTrail event');
  });
});
