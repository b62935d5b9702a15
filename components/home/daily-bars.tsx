/** A small bar chart of one count per day (plain SVG, server-rendered; each bar's <title> gives its numbers). */
export function DailyBars({ title, days }: { title: string; days: { day: string; added: number }[] }) {
  const width = 640;
  const height = 120;
  const pad = { left: 28, right: 4, top: 6, bottom: 18 };
  const max = Math.max(1, ...days.map((d) => d.added));
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
  const slot = (width - pad.left - pad.right) / Math.max(days.length, 1);
  const label = (day: string) => day.slice(5).replace("-", "/");
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="h-32 w-full">
      {[0, max].map((v) => (
        <g key={v}>
          <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} stroke="#e2e8f0" />
          <text x={pad.left - 4} y={y(v) + 3} textAnchor="end" fontSize="10" fill="#475569">
            {v.toLocaleString("en")}
          </text>
        </g>
      ))}
      {days.map((d, i) => (
        <g key={d.day}>
          {d.added > 0 ? (
            <rect x={pad.left + i * slot + 1} width={Math.max(1, slot - 2)} y={y(d.added)} height={y(0) - y(d.added)} fill="#2f6fed">
              <title>{`${d.day}: ${d.added.toLocaleString("en")} added`}</title>
            </rect>
          ) : null}
          {i % 7 === 0 || i === days.length - 1 ? (
            <text x={pad.left + i * slot + slot / 2} y={height - 4} textAnchor="middle" fontSize="10" fill="#475569">
              {label(d.day)}
            </text>
          ) : null}
        </g>
      ))}
    </svg>
  );
}
