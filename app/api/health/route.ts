import { checkDatabase } from "@/lib/health/health";
import { getAppDb } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

export async function GET() {
  const database = await checkDatabase(getAppDb());
  const body = { status: database.ok ? "ok" : "degraded", database };
  return Response.json(body, { status: database.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
