"use client";

import { useId, useState } from "react";
import { testSequenceEmailAction } from "@/app/(dashboard)/sequences/actions";
import { EmailPreview } from "@/components/campaigns/email-preview";
import { TestSendForm } from "@/components/campaigns/test-send-form";
import { inputClass } from "@/components/ui/field";

type Email = { id: string; subject: string; html: string; text: string | null };

/**
 * Preview and test send of one email of a sequence as saved, as a campaign's (the same preview, the
 * same test send): pick the email, preview it as a contact (of the trigger's list when a list enrols,
 * else anyone) or sample values, send a test.
 */
export function SequenceEmailTools({ sequenceId, emails, listIds, defaultTo }: { sequenceId: string; emails: Email[]; listIds: string[]; defaultTo: string }) {
  const id = useId();
  const [emailId, setEmailId] = useState(emails[0]?.id ?? "");
  const index = Math.max(0, emails.findIndex((e) => e.id === emailId));
  const email = emails[index];
  if (!email) return <p className="text-sm text-slate-500">No emails to preview.</p>;
  return (
    <div className="space-y-4">
      <div className="max-w-md space-y-1 text-sm">
        <label htmlFor={`${id}-email`} className="block font-medium text-slate-700">
          Email
        </label>
        <select id={`${id}-email`} value={email.id} onChange={(e) => setEmailId(e.target.value)} className={inputClass}>
          {emails.map((e, i) => (
            <option key={e.id} value={e.id}>
              {`Email ${i + 1}: ${e.subject}`}
            </option>
          ))}
        </select>
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <EmailPreview
          key={email.id}
          title={`Email ${index + 1} for`}
          subject={email.subject}
          html={email.html}
          text={email.text ?? ""}
          listIds={listIds}
          hint="A contact: see the subject and body as they would receive it."
        />
        <TestSendForm
          key={`test-${email.id}`}
          action={testSequenceEmailAction}
          fields={{ id: sequenceId, emailId: email.id }}
          listIds={listIds}
          defaultTo={defaultTo}
          note="tests never count in the sequence's numbers"
        />
      </div>
    </div>
  );
}
