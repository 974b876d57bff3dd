/**
 * The default CloudWatch Logs filter pattern, read from the file the Rust source embeds, so that
 * the stack and the source's local mode follow one product default.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The repository's root directory. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The file holding the default filter pattern on its one line. */
export const DEFAULT_FILTER_PATTERN_FILE = path.join(
  REPO_ROOT,
  'shared',
  'default-filter-pattern.txt',
);

/** The most characters CloudWatch Logs accepts in a subscription filter pattern. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

/**
 * Reads the default filter pattern: the file's first line, without its line ending.
 *
 * Throws when the file is missing or holds more than one line.
 */
export function readDefaultFilterPattern(file: string = DEFAULT_FILTER_PATTERN_FILE): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `the default filter pattern file ${file} cannot be read (${String(error)}); ` +
        'set `filterPattern` or restore the file',
      { cause: error },
    );
  }

  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length !== 1) {
    throw new Error(`the default filter pattern file ${file} must hold exactly one line`);
  }
  return lines[0];
}
