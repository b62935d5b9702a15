import type { SequenceEditorValues } from "@/components/sequences/sequence-editor";
import type { SequenceDetail } from "@/lib/sequences/detail";
import { WEEKDAY_NAMES } from "@/lib/sequences/schedule";

/** A new sequence's editor: a welcome email at once, weekdays 9–17 offered but off. */
export function newSequenceValues(): SequenceEditorValues {
  return {
    name: "",
    from: "",
    trigger: "manual",
    reenroll: false,
    windowOn: false,
    days: ["mon", "tue", "wed", "thu", "fri"],
    startHour: 9,
    endHour: 17,
    timeZone: "UTC",
    exitTagIds: [],
    exitListIds: [],
    emails: [{ subject: "Welcome, {{ name | default: \"friend\" }}", html: "<p>Hello {{ name | default: \"there\" }},</p>\n<p>Thanks for joining.</p>", text: "", delayAmount: 0, delayUnit: "minutes" }],
  };
}

export function sequenceEditorValues({ sequence: s, emails }: SequenceDetail): SequenceEditorValues {
  return {
    id: s.id,
    name: s.name,
    from: s.fromEmail,
    trigger: s.triggerType === "manual" || !s.triggerId ? "manual" : `${s.triggerType}:${s.triggerId}`,
    reenroll: s.reenroll,
    windowOn: Boolean(s.windowDays?.length),
    days: s.windowDays?.length ? s.windowDays.map((d) => WEEKDAY_NAMES[d - 1]) : ["mon", "tue", "wed", "thu", "fri"],
    startHour: s.windowStartHour ?? 9,
    endHour: s.windowEndHour ?? 17,
    timeZone: s.timeZone,
    exitTagIds: s.exitTagIds,
    exitListIds: s.exitListIds,
    emails: emails.map((e) => ({ id: e.id, subject: e.subject, html: e.html, text: e.text ?? "", delayAmount: e.delayAmount, delayUnit: e.delayUnit })),
  };
}
