import Link from "next/link";
import { EmptyState, PageHeader } from "@/components/ui/card";
import { buttonClass } from "@/components/ui/button";

export const metadata = { title: "Admins only" };

export default function ForbiddenPage() {
  return (
    <>
      <PageHeader title="Admins only" />
      <EmptyState title="This page is for admins" action={<Link className={buttonClass("secondary")} href="/campaigns">Back to campaigns</Link>}>
      Your account is a marketer account. Ask an admin if you need access to security, settings or webhooks.
      </EmptyState>
    </>
  );
}
