import { parseNotifierEnv } from '../../functions/notifier/env';

const TABLE = 'notifier-idempotency';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:order-notifications';

describe('notifier environment', () => {
  it('accepts a table name and a standard topic ARN, in any partition, trimmed', () => {
    expect(parseNotifierEnv({ IDEMPOTENCY_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: TOPIC, OTHER: 'ignored' })).toEqual({
      IDEMPOTENCY_TABLE_NAME: TABLE,
      NOTIFICATION_TOPIC_ARN: TOPIC,
    });
    expect(
      parseNotifierEnv({
        IDEMPOTENCY_TABLE_NAME: ' arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Functions-IdempotencyTable-1A2B3C\n',
        NOTIFICATION_TOPIC_ARN: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:Functions-OrderNotifications_1A2B',
      }),
    ).toEqual({
      IDEMPOTENCY_TABLE_NAME: 'arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Functions-IdempotencyTable-1A2B3C',
      NOTIFICATION_TOPIC_ARN: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:Functions-OrderNotifications_1A2B',
    });
  });

  const failing: [name: string, env: NodeJS.ProcessEnv, message: string][] = [
    ['no variables at all', {}, 'notifier: invalid environment: IDEMPOTENCY_TABLE_NAME is not set; NOTIFICATION_TOPIC_ARN is not set'],
    ['no table name', { NOTIFICATION_TOPIC_ARN: TOPIC }, 'notifier: invalid environment: IDEMPOTENCY_TABLE_NAME is not set'],
    ['no topic ARN', { IDEMPOTENCY_TABLE_NAME: TABLE }, 'notifier: invalid environment: NOTIFICATION_TOPIC_ARN is not set'],
    ['an empty table name', { IDEMPOTENCY_TABLE_NAME: '', NOTIFICATION_TOPIC_ARN: TOPIC }, 'IDEMPOTENCY_TABLE_NAME must be a DynamoDB table name or table ARN'],
    ['a blank table name', { IDEMPOTENCY_TABLE_NAME: '   ', NOTIFICATION_TOPIC_ARN: TOPIC }, 'IDEMPOTENCY_TABLE_NAME must be a DynamoDB table name or table ARN'],
    ['a table name with a space', { IDEMPOTENCY_TABLE_NAME: 'my table', NOTIFICATION_TOPIC_ARN: TOPIC }, 'IDEMPOTENCY_TABLE_NAME must be a DynamoDB table name'],
    ['a table name too short', { IDEMPOTENCY_TABLE_NAME: 'ab', NOTIFICATION_TOPIC_ARN: TOPIC }, 'IDEMPOTENCY_TABLE_NAME must be a DynamoDB table name'],
    ['an unresolved CDK token as table name', { IDEMPOTENCY_TABLE_NAME: '${Token[TOKEN.123]}', NOTIFICATION_TOPIC_ARN: TOPIC }, 'IDEMPOTENCY_TABLE_NAME must be'],
    ['an empty topic ARN', { IDEMPOTENCY_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: '' }, 'NOTIFICATION_TOPIC_ARN must be the ARN of a standard (non-FIFO) SNS topic'],
    ['a topic name instead of its ARN', { IDEMPOTENCY_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: 'order-notifications' }, 'NOTIFICATION_TOPIC_ARN must be the ARN'],
    ['the ARN of a queue', { IDEMPOTENCY_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: 'arn:aws:sqs:eu-west-1:123456789012:orders' }, 'NOTIFICATION_TOPIC_ARN must be the ARN'],
    ['a FIFO topic ARN', { IDEMPOTENCY_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: `${TOPIC}.fifo` }, 'NOTIFICATION_TOPIC_ARN must be the ARN of a standard (non-FIFO) SNS topic'],
    ['an account id too short', { IDEMPOTENCY_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:eu-west-1:1234:orders' }, 'NOTIFICATION_TOPIC_ARN must be the ARN'],
  ];

  it.each(failing)('rejects %s, naming the variable', (_name, env, message) => {
    expect(() => parseNotifierEnv(env)).toThrow(message);
  });

  it('fails the cold start (loading the handler throws) when a variable is missing', () => {
    const saved = { ...process.env };
    try {
      process.env.IDEMPOTENCY_TABLE_NAME = 'notifier-idempotency';
      delete process.env.NOTIFICATION_TOPIC_ARN;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(() => require('../../functions/notifier/handler')).toThrow('notifier: invalid environment: NOTIFICATION_TOPIC_ARN is not set');
      });
    } finally {
      process.env = saved;
    }
  });
});
