// The overview's chart of the last hour: stacked bars per minute, drawn as inline SVG with DOM calls (no
// markup strings, no library), so it works under the page's Content-Security-Policy and offline.
const svgNs = 'http://www.w3.org/2000/svg';

function svg(name, attributes) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** An SVG element charting `minutes` ([{minute, succeeded, failed, cancelled}], oldest first). */
export function minuteChart(minutes) {
  const width = 960;
  const height = 220;
  const left = 44;
  const bottom = 24;
  const top = 10;
  const plotHeight = height - bottom - top;
  const slot = (width - left - 8) / Math.max(minutes.length, 1);
  const peak = Math.max(1, ...minutes.map((m) => m.succeeded + m.failed + m.cancelled));
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const title = svg('title', {});
  title.textContent = 'Jobs finished per minute over the last hour';
  chart.append(title);
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    chart.append(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, stroke: '#e1e5ea' }));
    const label = svg('text', {
      x: left - 6,
      y: y + 4,
      'text-anchor': 'end',
      'font-size': 11,
      fill: '#687385',
    });
    label.textContent = String(Math.round(peak * fraction));
    chart.append(label);
  }
  minutes.forEach((m, index) => {
    const x = left + index * slot + 1;
    let y = top + plotHeight;
    for (const kind of ['succeeded', 'failed', 'cancelled']) {
      const h = (m[kind] / peak) * plotHeight;
      if (h <= 0) continue;
      y -= h;
      const bar = svg('rect', { x, y, width: Math.max(slot - 2, 1), height: h, class: kind });
      const tip = svg('title', {});
      tip.textContent = `${new Date(m.minute).toLocaleTimeString()}: ${m[kind]} ${kind}`;
      bar.append(tip);
      chart.append(bar);
    }
    if (index % 10 === 0 || index === minutes.length - 1) {
      // The last label ends at the right edge instead of running past it.
      const last = index === minutes.length - 1;
      const label = svg('text', {
        x: last ? width - 8 : x + slot / 2,
        y: height - 6,
        'text-anchor': last ? 'end' : 'middle',
        'font-size': 11,
        fill: '#687385',
      });
      label.textContent = new Date(m.minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      chart.append(label);
    }
  });
  return chart;
}
