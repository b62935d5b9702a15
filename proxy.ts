import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "@/lib/env";

const ADMIN_PREFIXES = ["/security", "/settings", "/webhooks"];

/**
 * First gate for pages: no session → /login; a marketer on an admin page → /forbidden. Pages, actions
 * and routes check again on the server (a proxy can be bypassed by a misconfigured matcher; they cannot).
 */
export async function proxy(req: NextRequest) {
  const token = await getToken({ req, secret: getEnv().AUTH_SECRET });
  const { pathname, search } = req.nextUrl;
  if (!token) {
    const login = new URL("/login", req.url);
    login.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(login);
  }
  if (ADMIN_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`)) && token.role !== "admin") {
    return NextResponse.redirect(new URL("/forbidden", req.url));
  }
  return NextResponse.next();
}

export const config = {
  matcher: ["/", "/campaigns/:path*", "/contacts/:path*", "/forms/:path*", "/messages/:path*", "/webhooks/:path*", "/security/:path*", "/settings/:path*", "/profile/:path*", "/forbidden"],
};
