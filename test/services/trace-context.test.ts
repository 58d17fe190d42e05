import { formatTraceparent, parseTraceparent, startSpan, xrayTraceHeader, xrayTraceId } from '../../services/kit/trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads the ids and the sampled flag of a version 00 header', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01`)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true });
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false });
  });

  it('reads the known fields of a later version, ignoring what it appends', () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${SPAN_ID}-03-whatever`)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true });
  });

  it('reads a later version that appends nothing', () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${SPAN_ID}-00`)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false });
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['upper case', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['a version of three digits', `001-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with more fields', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['two headers joined', `00-${TRACE_ID}-${SPAN_ID}-01, 00-${TRACE_ID}-${SPAN_ID}-01`],
    ['not a traceparent at all', 'Root=1-5759e988-bd862e3fe1be46a994272793'],
  ])('ignores a header that is %s', (_case, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('formatTraceparent', () => {
  it('writes a version 00 header, with the sampled flag as 01 or 00', () => {
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true })).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false })).toBe(`00-${TRACE_ID}-${SPAN_ID}-00`);
  });
});

describe('startSpan', () => {
  it('continues the parent trace with a span of its own, keeping the sampling decision', () => {
    const span = startSpan({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false });
    expect(span).toEqual({ traceId: TRACE_ID, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), sampled: false });
    expect(span.spanId).not.toBe(SPAN_ID);
  });

  it('starts a new, sampled trace whose id begins with the time in seconds, as X-Ray ids do', () => {
    const before = Math.floor(Date.now() / 1000);
    const span = startSpan(undefined);
    expect(span).toEqual({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/), sampled: true });
    expect(parseInt(span.traceId.slice(0, 8), 16)).toBeGreaterThanOrEqual(before);
    expect(parseTraceparent(formatTraceparent(span))).toEqual(span);
  });

  it('gives a new trace an id of 32 digits whatever the clock says, the time written with leading zeros', () => {
    jest.useFakeTimers({ now: 255_000 });
    try {
      expect(startSpan(undefined).traceId).toMatch(/^000000ff[0-9a-f]{24}$/);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('the X-Ray spelling', () => {
  it('splits the trace id after 8 digits, as AWS maps W3C ids to X-Ray ids', () => {
    expect(xrayTraceId(TRACE_ID)).toBe('1-4bf92f35-77b34da6a3ce929d0e0e4736');
  });

  it('makes the X-Amzn-Trace-Id header EventBridge takes as TraceHeader', () => {
    expect(xrayTraceHeader({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true })).toBe(`Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${SPAN_ID};Sampled=1`);
    expect(xrayTraceHeader({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false })).toMatch(/;Sampled=0$/);
  });
});
