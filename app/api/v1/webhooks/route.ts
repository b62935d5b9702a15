import { z } from "zod";
import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiEndpoint, toApiVerification } from "@/lib/outbound-webhooks/api";
import { createEndpoint, listEndpoints } from "@/lib/outbound-webhooks/endpoints";
import { getOutboundDeps } from "@/lib/app/deps";

export const dynamic = "force-dynamic";

const querySchema = z.object({ include_archived: z.enum(["true", "false"]).optional() });

export const GET = apiRoute({ role: "admin" }, async ({ req, db }) => {
  const q = querySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const rows = await listEndpoints(db, { show: q.include_archived === "true" ? "all" : "active" });
  return rows.map(toApiEndpoint);
});

/** Creates an endpoint, pending until its owner publishes the verification file and calls /verify. */
export const POST = apiRoute({ role: "admin" }, async ({ req, db, principal }) => {
  const body = await readJson(req, z.record(z.string(), z.unknown()), 64 * 1024);
  const endpoint = await createEndpoint(db, { settings: body as never, actor: { via: "api", apiKeyId: principal.apiKeyId, userId: principal.userId } }, getOutboundDeps());
  return Response.json({ data: { ...toApiEndpoint(endpoint), verification: toApiVerification(endpoint) } }, { status: 201 });
});
