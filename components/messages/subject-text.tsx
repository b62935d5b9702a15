import type { ShownSubject } from "@/lib/messages/subjects";

const NOTES = {
  rendered: "Personalized from the contact's current data: Postline did not yet keep each recipient's subject when this was written.",
  template: "The campaign's template: the contact is gone, so it cannot be personalized.",
} as const;

/** A message's subject as its recipient received it; a reconstruction or a bare template says so. */
export function SubjectText({ subject }: { subject: ShownSubject }) {
  if (subject.source === "sent") return <>{subject.text}</>;
  return (
    <span title={NOTES[subject.source]}>
      {subject.text}
      {subject.source === "template" ? (
        <>
          {" "}
          <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">template</span>
        </>
      ) : null}
    </span>
  );
}
