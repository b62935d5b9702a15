import { apiRoute, readJson } from "@/lib/app/api-route";
import { toApiList } from "@/lib/app/api-shapes";
import { createList, listInputSchema, listLists } from "@/lib/contacts/contacts";

export const dynamic = "force-dynamic";

export const GET = apiRoute({}, async ({ db }) => (await listLists(db)).map(toApiList));

export const POST = apiRoute({}, async ({ req, db }) => {
  const list = await createList(db, await readJson(req, listInputSchema));
  return Response.json({ data: toApiList(list) }, { status: 201 });
});
