import { confirmationPage, confirmationPost } from "../../../confirmation";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ formId: string; token: string }> };

// The form-scoped confirmation link; the email links to /c/{token} (app/c/[token]/route.ts). GET shows
// a button and changes nothing (mail scanners open every link); only the button's POST confirms.

export async function GET(_req: Request, { params }: Context) {
  const { formId, token } = await params;
  return confirmationPage(formId, token);
}

export async function POST(req: Request, { params }: Context) {
  const { formId, token } = await params;
  return confirmationPost(req, formId, token);
}
