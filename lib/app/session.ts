import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { Role } from "@/db/schema";
import { getAuthOptions } from "@/lib/app/auth-options";
import { getAppDb } from "@/lib/app/deps";
import { getUser, type PublicUser } from "@/lib/users/users";

/**
 * The signed-in user, read from the database on every request: a disabled account or a changed role
 * takes effect at once, whatever the session cookie still claims. Once per request (React's cache): the
 * layout, the viewer's time zone and the page all ask.
 */
export const getCurrentUser = cache(async (): Promise<PublicUser | null> => {
  const session = await getServerSession(getAuthOptions());
  const id = session?.user?.id;
  if (!id) return null;
  const user = await getUser(getAppDb(), id);
  return user && !user.disabledAt ? user : null;
});

/** For pages and server actions: sends visitors to /login and the wrong role to /forbidden. */
export async function requireUser(role?: Role): Promise<PublicUser> {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (role && user.role !== role && user.role !== "admin") redirect("/forbidden");
  return user;
}

export const requireAdmin = () => requireUser("admin");
