"use client";

import { createSequenceAction, updateSequenceAction } from "@/app/(dashboard)/sequences/actions";
import { useActionForm } from "@/components/ui/action-form";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { describe, Field, FieldMessages, inputClass, SelectField } from "@/components/ui/field";
import { FormStatus } from "@/components/ui/form-status";

export interface SequenceEditorValues {
  id?: string;
  name: string;
  from: string;
  trigger: string;
  reenroll: boolean;
  windowOn: boolean;
  days: string[];
  startHour: number;
  endHour: number;
  timeZone: string;
  exitTagIds: string[];
  exitListIds: string[];
  emails: { id?: string; subject: string; html: string; text: string; delayAmount: number; delayUnit: string }[];
}

type Option = { id: string; name: string };

const DAYS: [string, string][] = [["mon", "Mon"], ["tue", "Tue"], ["wed", "Wed"], ["thu", "Thu"], ["fri", "Fri"], ["sat", "Sat"], ["sun", "Sun"]];

function TextArea({ label, name, error, rows = 4, defaultValue }: { label: string; name: string; error?: string; rows?: number; defaultValue: string }) {
  const id = `field-${name}`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea id={id} name={name} rows={rows} defaultValue={defaultValue} {...describe(id, error).control} className={`${inputClass} font-mono text-xs`} />
      <FieldMessages id={id} error={error} />
    </div>
  );
}

function Checks({ legend, name, options, chosen }: { legend: string; name: string; options: Option[]; chosen: string[] }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-700">{legend}</legend>
      {options.length ? (
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {options.map((o) => (
            <label key={o.id} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name={name} value={o.id} defaultChecked={chosen.includes(o.id)} className="size-4 accent-brand-600" />
              <span className="wrap-anywhere">{o.name}</span>
            </label>
          ))}
        </div>
      ) : (
        <p className="mt-1 text-sm text-slate-500">None yet.</p>
      )}
    </fieldset>
  );
}

/** Create or edit a sequence: its emails in order with their delays, what enrols, when it sends, what ends it. */
export function SequenceEditor({ initial, forms, lists, tags }: { initial: SequenceEditorValues; forms: Option[]; lists: Option[]; tags: Option[] }) {
  const editing = Boolean(initial.id);
  const { state, pending, errors, formProps } = useActionForm(editing ? updateSequenceAction.bind(null, initial.id!) : createSequenceAction);
  const rows = [...initial.emails, { subject: "", html: "", text: "", delayAmount: 1, delayUnit: "days" }];
  return (
    <form {...formProps} className="space-y-6" aria-label={editing ? "Edit sequence" : "Create a sequence"}>
      <Card title="Sequence">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Name" name="name" required defaultValue={initial.name} error={errors.name} />
          <Field label="From" name="from" defaultValue={initial.from} error={errors.from} hint="Blank: the account's sender." />
          <SelectField label="Enrols" name="trigger" defaultValue={initial.trigger} error={errors.trigger}>
            <option value="manual">By hand or through the API</option>
            {forms.length ? (
              <optgroup label="Confirmed through a form">
                {forms.map((f) => (
                  <option key={f.id} value={`form:${f.id}`}>
                    {f.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {lists.length ? (
              <optgroup label="Joined a list">
                {lists.map((l) => (
                  <option key={l.id} value={`list:${l.id}`}>
                    {l.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {tags.length ? (
              <optgroup label="Got a tag">
                {tags.map((t) => (
                  <option key={t.id} value={`tag:${t.id}`}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </SelectField>
          <label className="flex items-start gap-2 self-end text-sm text-slate-700">
            <input type="checkbox" name="reenroll" defaultChecked={initial.reenroll} className="mt-0.5 size-4 accent-brand-600" />
            <span>
              <span className="font-medium">Enrol again after completing</span>
              <span className="block text-xs text-slate-500">Off: each contact goes through once.</span>
            </span>
          </label>
        </div>
      </Card>

      <Card title="Emails" description="In order; each is sent its delay after the previous one (the first after enrolling). Personalize with {{ name }}, {{ email }}, {{ fields.x }}, {{ unsubscribe_url }}.">
        <ol className="space-y-6">
          {rows.map((e, i) => (
            <li key={e.id ?? `new-${i}`} className="space-y-3 rounded-md border border-slate-200 p-3" data-testid="sequence-email-row">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <h3 className="text-sm font-semibold text-slate-800">{i < initial.emails.length ? `Email ${i + 1}` : "Add an email"}</h3>
                {e.id ? (
                  <label className="flex items-center gap-2 text-sm text-slate-700">
                    <input type="checkbox" name={`delete_${i}`} className="size-4 accent-brand-600" /> Delete
                  </label>
                ) : null}
              </div>
              {e.id ? <input type="hidden" name={`email_id_${i}`} value={e.id} /> : null}
              <div className="grid gap-3 sm:grid-cols-[8rem_10rem_1fr] sm:items-start">
                <Field label="Delay" name={`delay_amount_${i}`} type="number" min={0} defaultValue={String(e.delayAmount)} error={errors[`delay_amount_${i}`]} />
                <SelectField label="Unit" name={`delay_unit_${i}`} defaultValue={e.delayUnit}>
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                  <option value="days">days</option>
                </SelectField>
                <Field label="Subject" name={`subject_${i}`} defaultValue={e.subject} error={errors[`subject_${i}`]} />
              </div>
              <TextArea label="HTML" name={`html_${i}`} defaultValue={e.html} error={errors[`html_${i}`]} />
              <TextArea label="Plain text (optional: derived from the HTML)" name={`text_${i}`} rows={2} defaultValue={e.text} error={errors[`text_${i}`]} />
            </li>
          ))}
        </ol>
        {editing ? (
          <label className="mt-4 flex items-start gap-2 text-sm text-slate-700">
            <input type="checkbox" name="continue_completed" className="mt-0.5 size-4 accent-brand-600" />
            <span>
              <span className="font-medium">Continue completed enrollments with emails added at the end</span>
              <span className="block text-xs text-slate-500">Off: those who finished stay finished.</span>
            </span>
          </label>
        ) : null}
      </Card>

      <Card title="Sending window" description="Emails due outside it wait for its next opening, on the contact's clock when its time_zone field names a zone, else on this one.">
        <div className="space-y-4">
          <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
            <input type="checkbox" name="window_on" defaultChecked={initial.windowOn} className="size-4 accent-brand-600" /> Only send inside a window
          </label>
          <fieldset data-field="days">
            <legend className="text-sm font-medium text-slate-700">Days</legend>
            <div className="mt-2 flex flex-wrap gap-3">
              {DAYS.map(([value, label]) => (
                <label key={value} className="flex items-center gap-1 text-sm">
                  <input type="checkbox" name="days" value={value} defaultChecked={initial.days.includes(value)} className="size-4 accent-brand-600" />
                  {label}
                </label>
              ))}
            </div>
            {errors.days ? <p className="text-sm text-red-600">{errors.days}</p> : null}
          </fieldset>
          <div className="grid gap-4 sm:grid-cols-3">
            <Field label="From hour" name="start_hour" type="number" min={0} max={23} defaultValue={String(initial.startHour)} error={errors.start_hour} />
            <Field label="Until hour" name="end_hour" type="number" min={1} max={24} defaultValue={String(initial.endHour)} error={errors.end_hour} />
            <Field label="Time zone" name="time_zone" defaultValue={initial.timeZone} error={errors.time_zone} hint="IANA name, e.g. Europe/Berlin" />
          </div>
        </div>
      </Card>

      <Card title="Exits" description="Unsubscribing, bouncing or complaining always ends an enrollment. Also end it when a contact…">
        <div className="space-y-4">
          <Checks legend="…gets one of these tags" name="exit_tag_ids" options={tags} chosen={initial.exitTagIds} />
          <Checks legend="…joins one of these lists" name="exit_list_ids" options={lists} chosen={initial.exitListIds} />
        </div>
      </Card>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={pending}>
          {editing ? "Save changes" : "Create sequence"}
        </Button>
        <FormStatus state={state} />
      </div>
    </form>
  );
}
