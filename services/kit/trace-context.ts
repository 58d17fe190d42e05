import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` an order's trace travels
 * with, from the HTTP request through the outbox and EventBridge to the notifier, and its X-Ray
 * spelling, which EventBridge, SQS and Lambda continue.
 *
 * Hand-written, though small parsers exist: OpenTelemetry's (@opentelemetry/core) is in node_modules
 * only as a dependency of @pulumi/pulumi, not of this project, and the notifier's bundle imports this
 * file (through the event contract), so it must stay a few hundred bytes.
 */

export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** The id of the span (X-Ray: segment) that carries the context on: 16 lower-case hex digits, not all zero. */
  readonly spanId: string;
  /** Whether the caller records this trace: the `sampled` trace flag. */
  readonly sampled: boolean;
}

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after a dash; its first four fields keep version 00's format.
const LATER_VERSION = /^(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;
const ALL_ZERO = /^0+$/;

/**
 * The context of a `traceparent` header; undefined for anything the specification says to ignore
 * (a wrong length, upper case, version ff, an all-zero id, or several headers joined with commas).
 */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const match = VERSION_00.exec(header) ?? (header.startsWith('00-') ? null : LATER_VERSION.exec(header));
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent({ traceId, spanId, sampled }: TraceContext): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/**
 * The context of a new span: a child of `parent` (same trace, same sampling decision), or the root of
 * a new, sampled trace. A new trace id starts with the time in seconds, as X-Ray's own ids do, so
 * that X-Ray accepts it whatever its age limit for trace ids.
 */
export function startSpan(parent: TraceContext | undefined): TraceContext {
  const spanId = randomBytes(8).toString('hex');
  if (parent) return { traceId: parent.traceId, spanId, sampled: parent.sampled };
  const epochSeconds = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return { traceId: epochSeconds + randomBytes(12).toString('hex'), spanId, sampled: true };
}

/** The X-Ray id of the trace: `1-` + the first 8 hex digits + `-` + the other 24, as AWS's OpenTelemetry propagator maps them. */
export function xrayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

/** The X-Amzn-Trace-Id form (e.g. EventBridge's PutEvents `TraceHeader`) of the context. */
export function xrayTraceHeader(context: TraceContext): string {
  return `Root=${xrayTraceId(context.traceId)};Parent=${context.spanId};Sampled=${context.sampled ? 1 : 0}`;
}
