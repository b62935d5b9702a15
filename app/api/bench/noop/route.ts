import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

/**
 * The ingestion benchmark's baseline: the same app, the same framework work, reading the same body,
 * but no database. Off (404) unless POSTLINE_BENCH_ROUTES=on.
 */
export async function POST(req: Request) {
  if (getEnv().POSTLINE_BENCH_ROUTES !== "on") return Response.json({ error: { code: "not_found", message: "Not found" } }, { status: 404 });
  await req.arrayBuffer();
  return Response.json({ data: { outcome: "noop" } });
}
