// Plain-text tables for the terminal.

export function fmt(x, digits = 0) {
  if (x === null || x === undefined) return '–';
  if (typeof x === 'string') return x;
  if (x === Infinity) return '>60000';
  if (!Number.isFinite(x)) return String(x);
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** rows: arrays of cells; the first row is the header. Numbers right-aligned. */
export function table(rows) {
  const widths = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  const line = (row, header) =>
    row
      .map((cell, i) => {
        const s = String(cell);
        return i === 0 || header ? s.padEnd(widths[i]) : s.padStart(widths[i]);
      })
      .join('  ');
  const out = [line(rows[0], true), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows.slice(1)) out.push(line(row, false));
  return out.join('\n');
}
