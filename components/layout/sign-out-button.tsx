"use client";

import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";

export function SignOutButton() {
  return (
    <Button variant="secondary" className="md:w-full" onClick={() => signOut({ callbackUrl: "/login" })}>
      Sign out
    </Button>
  );
}
