import { NO_TARGETS, targetsToFields, type CampaignTargets } from "@/lib/campaigns/audience";
import type { Campaign } from "@/lib/campaigns/campaigns";
import type { CampaignTemplate } from "@/lib/campaigns/templates";
import { ZERO_TOTALS, type CampaignTotals } from "@/lib/campaigns/stats";
import type { Contact, List } from "@/lib/contacts/contacts";
import type { Tag, TagRef } from "@/lib/contacts/tags";
import type { Segment } from "@/lib/segments/segments";
import { humanStatus } from "@/lib/messages/human-status";
import type { messages } from "@/db/schema";
import type { FormWithTargets } from "@/lib/forms/forms";
import type { SequenceDetail } from "@/lib/sequences/detail";
import type { Enrollment } from "@/lib/sequences/enrollments";
import { WEEKDAY_NAMES } from "@/lib/sequences/schedule";
import { shownStatus } from "@/lib/sending/in-flight";

/** The public JSON shapes of /api/v1 (snake_case, ISO times). */

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A contact with its tags (`tagsOfContacts`: one query for a page, never one per contact). */
export function toApiContact(c: Contact, tags: readonly TagRef[] = []) {
  return {
    id: c.id,
    email: c.email,
    name: c.name,
    fields: c.fields,
    tags: tags.map(toApiTagRef),
    status: c.status,
    status_reason: c.statusReason,
    status_changed_at: iso(c.statusChangedAt),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

export function toApiList(l: List & { memberCount?: number; subscribedCount?: number }) {
  return { id: l.id, name: l.name, member_count: l.memberCount ?? 0, subscribed_count: l.subscribedCount ?? 0, created_at: iso(l.createdAt) };
}

export function toApiTagRef(t: TagRef) {
  return { id: t.id, name: t.name };
}

export function toApiTag(t: Tag & { contactCount?: number }) {
  return { id: t.id, name: t.name, contact_count: t.contactCount ?? 0, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt) };
}

/** A campaign; `targets` are its audience (list_ids, tag_ids, segment_ids and the exclude_ twins). */
export function toApiCampaign(c: Campaign, { targets = NO_TARGETS, totals = ZERO_TOTALS }: { targets?: CampaignTargets; totals?: CampaignTotals } = {}) {
  const done = c.sentCount + c.failedCount;
  return {
    id: c.id,
    name: c.name,
    from: c.fromEmail,
    subject: c.subject,
    html: c.html,
    text: c.text,
    ...targetsToFields(targets),
    honeypot: c.honeypot,
    status: c.status,
    scheduled_at: iso(c.scheduledAt),
    started_at: iso(c.startedAt),
    completed_at: iso(c.completedAt),
    last_error: c.lastError,
    // The sender check (lib/sender-checks): the From domain as last checked, and an admin's override.
    sender_check: c.senderCheck
      ? { domain: c.senderCheck.domain, checked_at: c.senderCheck.checkedAt, dkim: c.senderCheck.dkim, return_path: c.senderCheck.returnPath, dmarc: c.senderCheck.dmarc, problems: c.senderCheck.problems }
      : null,
    sender_override: c.senderOverrideAt ? { by: c.senderOverrideBy, at: iso(c.senderOverrideAt) } : null,
    progress: {
      recipients: c.recipientCount,
      processed: done,
      percent: c.recipientCount ? Math.floor((done / c.recipientCount) * 100) : 0,
    },
    // `opened` and `clicked` count any open or click Postmark reported; `opened_human` and
    // `clicked_human` the recipients a person opened or clicked for (the rates Postline shows), and
    // `machine` the recipients with an open or click of each fetcher class (one can count in several).
    stats: {
      recipients: c.recipientCount,
      sent: c.sentCount,
      delivered: totals.delivered,
      opened: totals.opened,
      opened_human: totals.openedHuman,
      opened_machine_only: totals.openedMachineOnly,
      clicked: totals.clicked,
      clicked_human: totals.clickedHuman,
      // Delivered and not opened by a person: what marketers call "unopened" (machine-only opens included).
      unopened: Math.max(0, totals.delivered - totals.openedHuman),
      bounced: totals.bounced,
      spam_complaints: totals.spamComplaints,
      unsubscribed: totals.unsubscribed,
      failed: c.failedCount,
      suppressed: c.suppressedCount,
      machine: { opened: { ...totals.machine.opened }, clicked: { ...totals.machine.clicked } },
    },
    created_at: iso(c.createdAt),
  };
}

export function toApiMessage(m: typeof messages.$inferSelect) {
  return {
    id: m.id,
    kind: m.kind,
    campaign_id: m.campaignId,
    sequence_id: m.sequenceId,
    sequence_email_id: m.sequenceEmailId,
    contact_id: m.contactId,
    to: m.toEmail,
    from: m.fromEmail,
    subject: m.subject,
    message_stream: m.messageStream,
    tag: m.tag,
    metadata: m.metadata,
    track_opens: m.trackOpens,
    track_links: m.trackLinks,
    // In flight (queued with its batch) reads "sending", as it did when a claim set that status.
    status: shownStatus(m),
    // What people did, apart from any open or click (issue 15): the status the dashboard shows, the
    // first open and click a person made, and every fetcher class seen.
    human_status: humanStatus(m),
    postmark_message_id: m.postmarkMessageId,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    sent_at: iso(m.sentAt),
    delivered_at: iso(m.deliveredAt),
    first_opened_at: iso(m.firstOpenedAt),
    open_count: m.openCount,
    first_clicked_at: iso(m.firstClickedAt),
    click_count: m.clickCount,
    first_human_opened_at: iso(m.firstHumanOpenedAt),
    first_human_clicked_at: iso(m.firstHumanClickedAt),
    open_classes: m.openClasses,
    click_classes: m.clickClasses,
    bounced_at: iso(m.bouncedAt),
    created_at: iso(m.createdAt),
  };
}

export function toApiTemplate(t: CampaignTemplate) {
  return { id: t.id, name: t.name, subject: t.subject, html: t.html, text: t.text, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt) };
}

/** A signup form with its lists, tags, counters and public URLs (`appUrl`: APP_URL). */
export function toApiForm(f: FormWithTargets, appUrl: string) {
  return {
    id: f.id,
    name: f.name,
    hosted_url: `${appUrl}/f/${f.id}`,
    fields: f.fields.map((x) => ({ kind: x.kind, ...(x.name ? { name: x.name } : {}), label: x.label, required: x.required })),
    heading: f.heading,
    intro: f.intro,
    consent_text: f.consentText,
    submit_label: f.submitLabel,
    double_opt_in: f.doubleOptIn,
    confirmation_subject: f.confirmationSubject,
    confirmation_html: f.confirmationHtml,
    confirmation_text: f.confirmationText,
    thank_you_message: f.thankYouMessage,
    thank_you_url: f.thankYouUrl,
    confirmed_message: f.confirmedMessage,
    confirmed_url: f.confirmedUrl,
    allowed_origins: f.allowedOrigins,
    lists: f.lists.map((l) => ({ id: l.id, name: l.name })),
    tags: f.tags.map(toApiTagRef),
    submissions: f.submissions,
    confirmed: f.confirmed,
    refused_as_bot: f.refusedAsBot,
    archived_at: iso(f.archivedAt),
    created_at: iso(f.createdAt),
    updated_at: iso(f.updatedAt),
  };
}

/** A segment: its definition as stored (lib/segments/definition.ts), and its count when asked for. */
export function toApiSegment(s: Segment, count?: number) {
  return { id: s.id, name: s.name, definition: s.definition, ...(count === undefined ? {} : { count }), created_at: iso(s.createdAt), updated_at: iso(s.updatedAt) };
}

/** A sequence: its emails in order (with their stats), trigger, window, exits and enrollments by status. */
export function toApiSequence({ sequence: s, emails, enrollments, exitReasons }: SequenceDetail) {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    trigger: { type: s.triggerType, id: s.triggerId },
    from: s.fromEmail,
    reenroll: s.reenroll,
    window: s.windowDays?.length ? { days: s.windowDays.map((d) => WEEKDAY_NAMES[d - 1]), start_hour: s.windowStartHour, end_hour: s.windowEndHour } : null,
    time_zone: s.timeZone,
    exit: { tag_ids: s.exitTagIds, list_ids: s.exitListIds },
    emails: emails.map((e) => ({
      id: e.id,
      position: e.position,
      subject: e.subject,
      html: e.html,
      text: e.text,
      delay: { amount: e.delayAmount, unit: e.delayUnit },
      stats: {
        sent: e.stats.sent,
        delivered: e.stats.delivered,
        opened_human: e.stats.openedHuman,
        clicked_human: e.stats.clickedHuman,
        unsubscribed: e.stats.unsubscribed,
        bounced: e.stats.bounced,
        complained: e.stats.complained,
        failed: e.stats.failed,
        suppressed: e.stats.suppressed,
      },
    })),
    enrollments: { ...enrollments, exit_reasons: Object.fromEntries(exitReasons.map((r) => [r.reason, r.count])) },
    activated_at: iso(s.activatedAt),
    paused_at: iso(s.pausedAt),
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function toApiEnrollment(e: Enrollment) {
  return {
    id: e.id,
    sequence_id: e.sequenceId,
    contact_id: e.contactId,
    status: e.status,
    exit_reason: e.exitReason,
    emails_sent: e.emailsSent,
    next_email_id: e.nextEmailId,
    next_due_at: iso(e.nextDueAt),
    enrolled_at: iso(e.enrolledAt),
    completed_at: iso(e.completedAt),
    exited_at: iso(e.exitedAt),
  };
}
