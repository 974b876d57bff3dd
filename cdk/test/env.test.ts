/** The environment variable names agree with the Rust constants in `shared/src/config.rs`. */
import * as fs from 'fs';
import * as path from 'path';

import * as env from '../lib/env';

const CONFIG_RS = path.join(__dirname, '..', '..', 'shared', 'src', 'config.rs');

function rustConstants(): Map<string, string> {
  const source = fs.readFileSync(CONFIG_RS, 'utf8');
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/pub const ([A-Z0-9_]+): &str = "([^"]*)";/g)) {
    constants.set(match[1], match[2]);
  }
  return constants;
}

describe('environment variable names', () => {
  const rust = rustConstants();

  test('config.rs is read and holds constants', () => {
    expect(rust.get('TOPIC_ARN')).toBe('TOPIC_ARN');
  });

  test.each(Object.entries(env))('%s has the value of the Rust constant', (name, value) => {
    expect(rust.get(name)).toBe(value);
  });

  test('every name the functions read is defined', () => {
    expect(Object.keys(env).sort()).toEqual(
      expect.arrayContaining([
        'FILTER_PATTERN',
        'LOG_LEVEL',
        'RULES_DIR',
        'SLACK_WEBHOOK_CIPHERTEXT',
        'SLACK_WEBHOOK_URL',
        'SUPPRESSIONS_FILE',
        'TOPIC_ARN',
      ]),
    );
  });
});
