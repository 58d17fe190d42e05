/** One sample of a Prometheus text exposition: its metric name, labels and value. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** What a service's /metrics says now, fetched over HTTP as Prometheus scrapes it. */
export async function scrape(serviceUrl: string): Promise<{ value(name: string, labels?: Record<string, string>): number | undefined }> {
  const response = await fetch(`${serviceUrl}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const samples: Sample[] = (await response.text())
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = SAMPLE.exec(line) ?? [];
      return { name, labels: Object.fromEntries([...labels.matchAll(LABEL)].map(([, key, labelValue]) => [key, labelValue])), value: Number(value) };
    });
  return {
    /** The value of the sample with this name and these labels (others, such as `service`, may be there too). */
    value: (name, labels = {}) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, labelValue]) => sample.labels[key] === labelValue))?.value,
  };
}
