import Link from "next/link";
import { CampaignForm } from "@/components/campaigns/campaign-form";
import { TemplatePicker } from "@/components/campaigns/template-picker";
import { PageHeader } from "@/components/ui/card";
import { requireUser } from "@/lib/app/session";
import { listKnownFieldKeys } from "@/lib/campaigns/preview";
import { getTemplate, listTemplateSummaries } from "@/lib/campaigns/templates";
import { listAudienceOptions } from "@/app/(dashboard)/campaigns/audience-options";
import { getEnv } from "@/lib/env";
import { getAppDb } from "@/lib/app/deps";
import { parseId } from "@/lib/http/id";

export const metadata = { title: "New campaign" };

/** A new campaign, blank or from a template (`?template=<id>`: its subject, HTML and text as a start). */
export default async function NewCampaignPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requireUser("marketer");
  const db = getAppDb();
  const templateId = parseId((await searchParams).template);
  const [audienceOptions, templates, knownFields, template] = await Promise.all([
    listAudienceOptions(db),
    listTemplateSummaries(db),
    listKnownFieldKeys(db),
    templateId ? getTemplate(db, templateId) : null,
  ]);
  return (
    <>
      <PageHeader title="New campaign" description="Write it, check the preview, save it as a draft; you send it from the next page." />
      <section aria-labelledby="templates-heading" className="mb-6 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white px-4 py-3">
        <h2 id="templates-heading" className="sr-only">
          Templates
        </h2>
        {templates.length ? (
          <TemplatePicker templates={templates.map((t) => ({ id: t.id, name: t.name }))} selected={template?.id ?? null} />
        ) : (
          <p className="text-sm text-slate-600">No templates yet: save a campaign as a template from its page to start new ones from it.</p>
        )}
        <Link href="/campaigns/templates" className="text-sm text-brand-700 underline">
          Manage templates
        </Link>
        {templateId && !template ? <p role="alert" className="w-full text-sm text-red-600">That template no longer exists; starting blank.</p> : null}
      </section>
      <CampaignForm
        // A different template is a different starting point: a fresh form.
        key={template?.id ?? "blank"}
        audienceOptions={audienceOptions}
        defaultFrom={getEnv().POSTMARK_FROM_EMAIL}
        knownFields={knownFields}
        initial={template ? { name: template.name, subject: template.subject, html: template.html, text: template.text, targets: { listIds: [], tagIds: [], segmentIds: [], excludeSegmentIds: [], excludeListIds: [], excludeTagIds: [] } } : undefined}
      />
    </>
  );
}
