import { SelectField } from "@/components/ui/field";

/** An optional list to add contacts to ("No list" first). */
export function ListSelect({ id, label, lists, error }: { id: string; label: string; lists: { id: string; name: string }[]; error?: string }) {
  return (
    <SelectField id={id} label={label} name="list_id" defaultValue="" error={error}>
      <option value="">No list</option>
      {lists.map((l) => (
        <option key={l.id} value={l.id}>
          {l.name}
        </option>
      ))}
    </SelectField>
  );
}
