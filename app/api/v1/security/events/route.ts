import { z } from "zod";
import { apiRoute } from "@/lib/app/api-route";
import { listSuspiciousRequests } from "@/lib/security/suspicious-requests";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  reason: z.string().max(100).optional(),
  ip: z.string().max(64).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  before_id: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const GET = apiRoute({ role: "admin" }, async ({ req, db }) => {
  const q = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const rows = await listSuspiciousRequests(db, { reason: q.reason, ip: q.ip, from: q.from, to: q.to, beforeId: q.before_id, limit: q.limit });
  return Response.json({
    data: rows.map((r) => ({
      id: r.id,
      created_at: r.createdAt.toISOString(),
      route: r.route,
      ip: r.ip,
      reason: r.reason,
      user_agent: r.userAgent,
      header_names: r.headerNames,
      body_sha256: r.bodySha256,
      body_excerpt: r.bodyExcerpt,
      acknowledged_at: r.acknowledgedAt?.toISOString() ?? null,
    })),
    next_before_id: rows.length === q.limit ? rows[rows.length - 1].id : null,
  });
});
