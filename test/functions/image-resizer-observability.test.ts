import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createSocket, type Socket } from 'node:dgram';
import { RESIZER_TEST_ENV, captureConsole, lambdaContext, s3Event, s3Record, type Captured } from './image-resizer-fixtures';

/**
 * What the resizer tells Lambda's observability as it would in Lambda: the tracer is on (it is off
 * outside Lambda), its subsegments go over UDP to an X-Ray daemon, here a socket of this test, and the
 * invocation event is logged (POWERTOOLS_LOGGER_LOG_EVENT).
 */

const TRACE = { root: '1-5759e988-bd862e3fe1be46a994272793', parent: '53995c3f42cd8ad8' };

interface Subsegment {
  readonly name: string;
  readonly trace_id: string;
  readonly parent_id: string;
  readonly annotations?: Record<string, unknown>;
  readonly fault?: boolean;
  readonly cause?: { exceptions: { message: string }[] };
}

let daemon: Socket;
const datagrams: string[] = [];
let handler: (event: S3Event, context: Context) => Promise<void>;

beforeAll(async () => {
  daemon = createSocket('udp4').on('message', (message) => datagrams.push(message.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    ...RESIZER_TEST_ENV,
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
    // What Lambda sets, and the X-Ray SDK reads when it loads.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: '/var/task',
    _HANDLER: 'index.handler',
    _X_AMZN_TRACE_ID: `Root=${TRACE.root};Parent=${TRACE.parent};Sampled=1`,
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ({ handler } = require('../../functions/image-resizer/handler') as typeof import('../../functions/image-resizer/handler'));
});
afterAll(() => new Promise<void>((resolve) => daemon.close(resolve)));

const s3 = mockClient(S3Client);
let captured: Captured;
beforeEach(() => {
  s3.reset();
  datagrams.length = 0;
  captured = captureConsole();
});
afterEach(() => jest.restoreAllMocks());

/** The subsegments the daemon has received: each datagram is a header line, then the document. */
async function subsegments(count: number): Promise<Subsegment[]> {
  for (let waited = 0; datagrams.length < count && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return datagrams.map((datagram) => JSON.parse(datagram.split('\n')[1]) as Subsegment);
}

describe("image-resizer's traces, logs and metrics in Lambda", () => {
  // First: it needs the environment's first invocation.
  it('counts a cold start once, on the first invocation of the environment, by function name, and annotates its trace so', async () => {
    await handler(s3Event(), lambdaContext);
    const first = captured.metrics('ColdStart');
    await handler(s3Event(), lambdaContext);

    expect(captured.metrics('ColdStart')).toEqual(first);
    expect(first).toEqual([{ value: 1, dimensions: { service: 'image-resizer', function_name: 'image-resizer' } }]);
    expect((await subsegments(2)).map(({ annotations }) => annotations?.ColdStart)).toEqual([true, false]);
  });

  it('traces each invocation in a "## <handler>" subsegment of the Lambda trace, annotated with the cold start and the service', async () => {
    await handler(s3Event(), lambdaContext);

    const [subsegment, ...others] = await subsegments(1);
    expect(others).toEqual([]);
    expect(subsegment).toMatchObject({ name: '## index.handler', trace_id: TRACE.root, parent_id: TRACE.parent, annotations: { Service: 'image-resizer', ColdStart: expect.any(Boolean) } });
    expect(subsegment.fault).toBeUndefined();
  });

  it("records a failed invocation's error on its subsegment, and still fails the invocation", async () => {
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }));

    await expect(handler(s3Event(s3Record('uploads/a.png')), lambdaContext)).rejects.toThrow('Access Denied');

    const subsegment = (await subsegments(1)).find(({ name }) => name === '## index.handler');
    expect(subsegment).toMatchObject({ fault: true, cause: { exceptions: [expect.objectContaining({ message: 'Access Denied' })] } });
  });

  it('logs the invocation event, with the Lambda context', async () => {
    const event = s3Event();
    await handler(event, lambdaContext);

    expect(captured.logs().filter(({ message }) => message === 'Lambda invocation event')).toEqual([
      expect.objectContaining({ event, function_name: 'image-resizer', function_request_id: lambdaContext.awsRequestId }),
    ]);
  });

  it('flushes no metrics, and so prints no empty-flush warning, for an invocation that had none to report', async () => {
    await handler(s3Event(), lambdaContext);

    expect(captured.metrics('ThumbnailsWritten')).toEqual([]);
    // Powertools' warning of an empty flush is a plain console line.
    expect(captured.logs().map(({ message, raw }) => message ?? raw)).toEqual(['Lambda invocation event']);
  });
});
