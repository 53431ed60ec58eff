// Prometheus text scraping and a bucket-based histogram quantile estimate.

/** Parses Prometheus text format into [{name, labels, value}]. */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

export async function scrape(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return parsePrometheus(await res.text());
}

/** Sum of a metric's samples whose labels include `match`. */
export function sumOf(samples, name, match = {}) {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** Cumulative buckets of a histogram as [{le, count}] sorted by le (summed across processes). */
export function histogramBuckets(samples, name, match = {}) {
  const byLe = new Map();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** after − before, bucket by bucket (both cumulative). */
export function diffBuckets(after, before) {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  return after.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the bucket
 * (as Prometheus' histogram_quantile does). Returns seconds, or null with no
 * observations; `Infinity` when it falls in the +Inf bucket.
 */
export function quantile(buckets, q) {
  const total = buckets.length ? buckets[buckets.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return Infinity;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return Infinity;
}

/** Latency summary from a histogram delta: count, p50, p99 in ms, and the bucket bounds they fall between. */
export function latencySummary(buckets) {
  const total = buckets.length ? buckets[buckets.length - 1].count : 0;
  const toMs = (s) => (s === null ? null : s === Infinity ? Infinity : s * 1000);
  const bounds = (q) => {
    const rank = q * total;
    let lo = 0;
    for (const b of buckets) {
      if (b.count >= rank) return [lo * 1000, b.le === Infinity ? Infinity : b.le * 1000];
      lo = b.le;
    }
    return [lo * 1000, Infinity];
  };
  return {
    observations: total,
    p50Ms: toMs(quantile(buckets, 0.5)),
    p99Ms: toMs(quantile(buckets, 0.99)),
    p50BucketMs: total ? bounds(0.5) : null,
    p99BucketMs: total ? bounds(0.99) : null,
  };
}
