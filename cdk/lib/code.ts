/**
 * Where the functions' code comes from: the arm64 zips `make build` leaves in `build/`, or, on a
 * fresh clone that was never built, a placeholder that fails every invocation.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

import { REPO_ROOT } from './filter-pattern';

/** The directory `make build` copies the release zips to. */
export const BUILD_DIR = path.join(REPO_ROOT, 'build');

/** The placeholder asset whose `bootstrap` refuses to run. */
export const UNBUILT_ASSET_DIR = path.resolve(__dirname, '..', 'assets', 'unbuilt');

/** Options of {@link functionCode}. */
export interface FunctionCodeOptions {
  /**
   * Refuse the placeholder: throw when the zip is missing. Deployments set this.
   *
   * @default false
   */
  readonly requireBuild?: boolean;

  /**
   * The directory holding `<binary>.zip`.
   *
   * @default BUILD_DIR
   */
  readonly buildDir?: string;
}

/** The code of one function binary: its built zip, or the placeholder when none was built. */
export function functionCode(binary: string, options: FunctionCodeOptions = {}): lambda.Code {
  const zip = path.join(options.buildDir ?? BUILD_DIR, `${binary}.zip`);
  if (fs.existsSync(zip)) {
    return lambda.Code.fromAsset(zip);
  }

  if (options.requireBuild === true) {
    throw new Error(
      `${zip} is missing and \`requireBuild\` is set: run \`make build\` before deploying`,
    );
  }
  return lambda.Code.fromAsset(UNBUILT_ASSET_DIR);
}
