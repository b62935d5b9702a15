import { getAppDb, getFormDeps } from "@/lib/app/deps";
import { formIdOfConfirmToken } from "@/lib/forms/signups";
import { confirmationPage, confirmationPost } from "../../f/confirmation";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

// The confirmation link in the email (ARCHITECTURE.md: GET /c/{token} shows the page, POST confirms).
// The token names its signup, which names its form; a forged or unknown token gets the same "not valid" page.

export async function GET(_req: Request, { params }: Context) {
  const { token } = await params;
  return confirmationPage((await formIdOfConfirmToken(getAppDb(), token, getFormDeps())) ?? "unknown", token);
}

export async function POST(req: Request, { params }: Context) {
  const { token } = await params;
  return confirmationPost(req, (await formIdOfConfirmToken(getAppDb(), token, getFormDeps())) ?? "unknown", token);
}
