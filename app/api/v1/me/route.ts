import { apiRoute } from "@/lib/app/api-route";

export const dynamic = "force-dynamic";

/** Who am I: lets automation check that its key works and what it may do. */
export const GET = apiRoute({}, async ({ principal }) => ({
  api_key_id: principal.apiKeyId,
  role: principal.role,
}));
