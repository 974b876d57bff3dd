/**
 * What the tests share: an app configured like `cdk.json`, and the stack built with the
 * placeholder code, so that no test needs a release build.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';

import { ActivityAwareStack, ActivityAwareStackProps } from '../lib/activity-aware-stack';
import { UNBUILT_ASSET_DIR } from '../lib/code';

/** Stack props without the code, which the tests always take from the placeholder. */
export type TestProps = Omit<ActivityAwareStackProps, 'sourceCode' | 'destinationCode'>;

/** An app with the feature flags of `cdk.json`, so tests see what `cdk synth` makes. */
export function newApp(): cdk.App {
  const config = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new cdk.App({ context: config.context });
}

/** The stack with the placeholder code and the given props. */
export function newStack(props: TestProps = {}, app: cdk.App = newApp()): ActivityAwareStack {
  return new ActivityAwareStack(app, 'ActivityAware', {
    ...props,
    sourceCode: lambda.Code.fromAsset(UNBUILT_ASSET_DIR),
    destinationCode: lambda.Code.fromAsset(UNBUILT_ASSET_DIR),
  });
}

/** The synthesized template of {@link newStack}. */
export function template(props: TestProps = {}): Template {
  return Template.fromStack(newStack(props));
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(tmpl: Template, type: string, prefix: string): string {
  const ids = Object.keys(tmpl.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type} named ${prefix}*, found ${JSON.stringify(ids)}`);
  }
  return ids[0];
}

/** A resource of a synthesized template. */
export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

/** The resources of a template by logical id. */
export function resources(tmpl: Template): Record<string, Resource> {
  return (tmpl.toJSON() as { Resources: Record<string, Resource> }).Resources;
}
