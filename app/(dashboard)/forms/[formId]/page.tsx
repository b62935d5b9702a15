import Link from "next/link";
import { notFound } from "next/navigation";
import { CopyButton } from "@/components/forms/copy-button";
import { buttonClass } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { formatNumber } from "@/components/ui/format";
import { InlineAction } from "@/components/ui/inline-action";
import { getAppDb, getFormDeps } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { getEnv } from "@/lib/env";
import { getForm } from "@/lib/forms/forms";
import { embedSnippet } from "@/lib/forms/page";
import { createFillStamp } from "@/lib/forms/tokens";
import { parseId } from "@/lib/http/id";
import { setFormArchivedAction } from "../actions";

export const metadata = { title: "Form" };
export const dynamic = "force-dynamic";

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="rounded-md border border-slate-200 px-4 py-3">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums text-slate-900">{formatNumber(value)}</dd>
    </div>
  );
}

export default async function FormPage({ params }: { params: Promise<{ formId: string }> }) {
  await requireUser();
  const formId = parseId((await params).formId) ?? notFound();
  const form = await getForm(getAppDb(), formId);
  if (!form) notFound();
  const appUrl = getEnv().APP_URL;
  const hosted = `${appUrl}/f/${form.id}`;
  const snippet = embedSnippet({ form, appUrl, stamp: createFillStamp(getFormDeps().key, form.id, new Date()) });
  return (
    <div className="space-y-6">
      <PageHeader
        title={form.name}
        description={form.archivedAt ? "Archived: the hosted page and posts answer 404; past signups and their consent stay." : undefined}
        actions={
          <>
            <Link href={`/forms/${form.id}/edit`} className={buttonClass("secondary")}>
              Edit
            </Link>
            <InlineAction
              action={setFormArchivedAction}
              fields={{ formId: form.id, archived: form.archivedAt ? "false" : "true" }}
              label={form.archivedAt ? "Restore" : "Archive"}
              variant={form.archivedAt ? "secondary" : "danger"}
              confirm={form.archivedAt ? undefined : "Archive this form? Its page and endpoint stop accepting signups."}
            />
          </>
        }
      />
      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Stat label="Submissions" value={form.submissions} />
        <Stat label="Confirmed" value={form.confirmed} />
        <Stat label="Refused as bots" value={form.refusedAsBot} />
      </dl>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Hosted page" description="Share this link: it works on phones and with JavaScript off.">
          <p className="text-sm">
            <a href={hosted} className="font-mono text-brand-700 wrap-anywhere hover:underline" data-testid="hosted-link">
              {hosted}
            </a>
          </p>
        </Card>
        <Card title="Settings">
          <dl className="space-y-2 text-sm">
            <div className="flex flex-wrap gap-2">
              <dt className="font-medium text-slate-700">Opt-in:</dt>
              <dd>{form.doubleOptIn ? <Badge tone="green">double (confirmation email)</Badge> : <Badge>single</Badge>}</dd>
            </div>
            <div className="flex flex-wrap gap-2">
              <dt className="font-medium text-slate-700">Lists:</dt>
              <dd className="wrap-anywhere">{form.lists.length ? form.lists.map((l) => l.name).join(", ") : "none"}</dd>
            </div>
            <div className="flex flex-wrap items-center gap-2">
              <dt className="font-medium text-slate-700">Tags:</dt>
              <dd className="flex flex-wrap gap-1">{form.tags.length ? form.tags.map((t) => <Badge key={t.id} tone="blue">{t.name}</Badge>) : "none"}</dd>
            </div>
            <div className="flex flex-wrap gap-2">
              <dt className="font-medium text-slate-700">Allowed origins:</dt>
              <dd className="wrap-anywhere">{form.allowedOrigins.length ? form.allowedOrigins.join(", ") : "only Postline's hosted page"}</dd>
            </div>
          </dl>
        </Card>
      </div>
      <Card
        title="Embed on your site"
        description="Paste this form into any page. It posts to Postline without JavaScript; add your site's origin under Allowed origins first. With JavaScript, post the same fields as JSON to the same URL."
        actions={<CopyButton text={snippet} label="Copy snippet" />}
      >
        <label htmlFor="embed-snippet" className="sr-only">
          Embed snippet
        </label>
        <textarea id="embed-snippet" readOnly value={snippet} rows={Math.min(16, snippet.split("\n").length + 1)} className="block w-full rounded-md border border-slate-300 bg-slate-50 p-3 font-mono text-xs text-slate-800" />
      </Card>
    </div>
  );
}
