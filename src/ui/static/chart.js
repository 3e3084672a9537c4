// The overview's charts, drawn as inline SVG with DOM calls (no markup strings, no library), so they work
// under the page's Content-Security-Policy and offline: jobs finished per bucket, stacked by outcome, and
// the time from acceptance to finish (p50 and p95) per bucket.
const svgNs = 'http://www.w3.org/2000/svg';
const width = 960;
const left = 56;
const right = 8;
const top = 10;
const bottom = 24;

function svg(name, attributes, text) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The frame shared by both charts: title, horizontal guides with labels, bucket labels below. */
function frame(height, title, buckets, labelOf, peak, format) {
  const plotHeight = height - bottom - top;
  const slot = (width - left - right) / Math.max(buckets.length, 1);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  chart.append(svg('title', {}, title));
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    chart.append(svg('line', { x1: left, x2: width - right, y1: y, y2: y, stroke: '#e1e5ea' }));
    const attributes = { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#687385' };
    chart.append(svg('text', attributes, format(peak * fraction)));
  }
  const every = Math.ceil(buckets.length / 8);
  buckets.forEach((bucket, index) => {
    const last = index === buckets.length - 1;
    // The last bucket is always labelled; a regular label too close before it gives way.
    if (last ? false : index % every !== 0 || buckets.length - 1 - index < every / 2) return;
    // The last label ends at the right edge instead of running past it.
    const x = last ? width - right : left + index * slot + slot / 2;
    const anchor = last ? 'end' : 'middle';
    chart.append(
      svg(
        'text',
        { x, y: height - 6, 'text-anchor': anchor, 'font-size': 11, fill: '#687385' },
        labelOf(bucket),
      ),
    );
  });
  return { chart, plotHeight, slot };
}

/** Stacked bars of the jobs finished per bucket ([{start, succeeded, failed, cancelled}], oldest first). */
export function finishedChart(buckets, { title, labelOf, tipOf }) {
  const height = 220;
  const peak = Math.max(1, ...buckets.map((b) => b.succeeded + b.failed + b.cancelled));
  const { chart, plotHeight, slot } = frame(height, title, buckets, labelOf, peak, (n) =>
    String(Math.round(n)),
  );
  buckets.forEach((bucket, index) => {
    const x = left + index * slot + Math.min(1, slot / 4);
    let y = top + plotHeight;
    for (const kind of ['succeeded', 'failed', 'cancelled']) {
      const h = (bucket[kind] / peak) * plotHeight;
      if (h <= 0) continue;
      y -= h;
      const bar = svg('rect', {
        x,
        y,
        width: Math.max(slot - Math.min(2, slot / 2), 0.5),
        height: h,
        class: kind,
      });
      bar.append(svg('title', {}, `${tipOf(bucket)}: ${bucket[kind]} ${kind}`));
      chart.append(bar);
    }
  });
  return chart;
}

/** A duration for a person: 850 ms, 12.5 s, 4.2 min, 3.1 h. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** Lines of p50 and p95 seconds from acceptance to finish per bucket; a bucket without jobs is a gap. */
export function latencyChart(buckets, { title, labelOf, tipOf }) {
  const height = 160;
  const peak = Math.max(0.001, ...buckets.map((b) => b.p95Seconds ?? 0));
  const { chart, plotHeight, slot } = frame(height, title, buckets, labelOf, peak, duration);
  for (const [key, kind] of [
    ['p95Seconds', 'p95'],
    ['p50Seconds', 'p50'],
  ]) {
    let points = [];
    const flush = () => {
      if (points.length > 1)
        chart.append(svg('polyline', { points: points.join(' '), class: `line ${kind}` }));
      points = [];
    };
    buckets.forEach((bucket, index) => {
      const value = bucket[key];
      if (value === null) return flush();
      const x = left + index * slot + slot / 2;
      const y = top + plotHeight * (1 - value / peak);
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
      const dot = svg('circle', { cx: x, cy: y, r: 2.5, class: `dot ${kind}` });
      dot.append(svg('title', {}, `${tipOf(bucket)}: ${kind} ${duration(value)}`));
      chart.append(dot);
    });
    flush();
  }
  return chart;
}
