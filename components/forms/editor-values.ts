import { FORM_DEFAULTS, type FormWithTargets } from "@/lib/forms/forms";
import type { FormEditorValues } from "./form-editor";

/** A new form's editor: the defaults the API applies too. */
export function newFormValues(): FormEditorValues {
  return {
    name: "",
    emailLabel: "Email",
    askName: true,
    nameLabel: "Name",
    nameRequired: false,
    custom: [],
    heading: FORM_DEFAULTS.heading,
    intro: FORM_DEFAULTS.intro,
    consentText: FORM_DEFAULTS.consentText,
    submitLabel: FORM_DEFAULTS.submitLabel,
    doubleOptIn: true,
    confirmationSubject: FORM_DEFAULTS.confirmationSubject,
    confirmationHtml: FORM_DEFAULTS.confirmationHtml,
    confirmationText: FORM_DEFAULTS.confirmationText,
    thankYouMessage: FORM_DEFAULTS.thankYouDoubleOptIn,
    thankYouUrl: "",
    confirmedMessage: FORM_DEFAULTS.confirmedMessage,
    confirmedUrl: "",
    allowedOrigins: [],
    listIds: [],
    tags: [],
  };
}

export function editorValues(form: FormWithTargets): FormEditorValues {
  const email = form.fields.find((f) => f.kind === "email");
  const name = form.fields.find((f) => f.kind === "name");
  return {
    id: form.id,
    name: form.name,
    emailLabel: email?.label ?? "Email",
    askName: Boolean(name),
    nameLabel: name?.label ?? "Name",
    nameRequired: name?.required ?? false,
    custom: form.fields.filter((f) => f.kind === "custom").map((f) => ({ name: f.name ?? "", label: f.label, required: f.required })),
    heading: form.heading,
    intro: form.intro,
    consentText: form.consentText,
    submitLabel: form.submitLabel,
    doubleOptIn: form.doubleOptIn,
    confirmationSubject: form.confirmationSubject,
    confirmationHtml: form.confirmationHtml,
    confirmationText: form.confirmationText,
    thankYouMessage: form.thankYouMessage,
    thankYouUrl: form.thankYouUrl ?? "",
    confirmedMessage: form.confirmedMessage,
    confirmedUrl: form.confirmedUrl ?? "",
    allowedOrigins: form.allowedOrigins,
    listIds: form.lists.map((l) => l.id),
    tags: form.tags.map((t) => t.name),
  };
}
