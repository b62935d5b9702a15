import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import type { Role } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { getAppDb } from "@/lib/app/deps";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { requestClientIp } from "@/lib/app/client-ip";

const credentialsSchema = z.object({
  email: z.string().trim().email().max(320),
  password: z.string().min(1).max(1024),
});

let cached: AuthOptions | undefined;

export function getAuthOptions(): AuthOptions {
  cached ??= {
    secret: getEnv().AUTH_SECRET,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new Error("invalid_credentials");
          const result = await signInWithPassword(getAppDb(), {
            ...parsed.data,
            ip: requestClientIp((name) => headerValue(req?.headers, name)),
          }, new Date());
          // next-auth passes a thrown message to the client as `error`: the page maps it to text.
          if (!result.ok) throw new Error(result.reason);
          return result.user;
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = user.role;
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user) {
          session.user.id = token.sub ?? "";
          session.user.role = token.role as Role;
        }
        return session;
      },
    },
  };
  return cached;
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name] ?? headers?.[name.toLowerCase()];
  return Array.isArray(value) ? String(value[0]) : typeof value === "string" ? value : undefined;
}
