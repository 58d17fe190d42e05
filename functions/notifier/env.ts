import * as z from 'zod/mini';

/** DynamoDB accepts a table name or, since 2024, a table ARN wherever it takes a TableName. */
const TABLE_NAME = /^(arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/)?[A-Za-z0-9_.-]{3,255}$/;
/** A standard topic: a FIFO topic (`.fifo`) would need a MessageGroupId on every Publish. */
const STANDARD_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

const required = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is not set' : `must be ${what}`) }).check(z.trim());

const notifierEnvSchema = z.object({
  IDEMPOTENCY_TABLE_NAME: required('a DynamoDB table name').check(z.regex(TABLE_NAME, 'must be a DynamoDB table name or table ARN')),
  NOTIFICATION_TOPIC_ARN: required('an SNS topic ARN').check(
    z.regex(STANDARD_TOPIC_ARN, 'must be the ARN of a standard (non-FIFO) SNS topic, arn:aws:sns:<region>:<account>:<name>'),
  ),
});

export type NotifierEnv = z.infer<typeof notifierEnvSchema>;

/**
 * Validates the notifier's configuration once, at init: a missing or malformed variable fails the
 * cold start with a message naming it, rather than every record later with an SDK validation error.
 */
export function parseNotifierEnv(env: NodeJS.ProcessEnv): NotifierEnv {
  const result = notifierEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`notifier: invalid environment: ${problems.join('; ')}`);
  }
  return result.data;
}
