"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

/**
 * "Start from a template": a plain GET form (works without JavaScript) whose choice reloads
 * /campaigns/new?template=<id> with the template's content in the composer.
 */
export function TemplatePicker({ templates, selected }: { templates: { id: string; name: string }[]; selected: string | null }) {
  const router = useRouter();
  const [value, setValue] = useState(selected ?? "");
  return (
    <form
      method="get"
      action="/campaigns/new"
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        router.push(value ? `/campaigns/new?template=${value}` : "/campaigns/new");
      }}
    >
      <div className="text-sm">
        <label htmlFor="start-template" className="mb-1 block font-medium text-slate-700">
          Start from a template
        </label>
        <select id="start-template" name="template" value={value} onChange={(e) => setValue(e.target.value)} className={inputClass}>
          <option value="">Blank campaign</option>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className={buttonClass("secondary")}>
        Use template
      </button>
    </form>
  );
}
