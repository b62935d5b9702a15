import NextAuth from "next-auth";
import { getAuthOptions } from "@/lib/app/auth-options";

type Context = { params: Promise<{ nextauth: string[] }> };

// Options are built per request, not at import, so `next build` needs no secrets.
async function handler(req: Request, context: Context) {
  return NextAuth(req as never, context as never, getAuthOptions());
}

export { handler as GET, handler as POST };
