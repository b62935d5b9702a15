"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";

/** Copies a text (the embed snippet) to the clipboard and says so; the text stays selectable beside it. */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<null | "copied" | "failed">(null);
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        variant="secondary"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setCopied("copied");
          } catch {
            setCopied("failed");
          }
        }}
      >
        {label}
      </Button>
      <span role="status" className="text-sm text-slate-600">
        {copied === "copied" ? "Copied" : copied === "failed" ? "Select the text and copy it" : ""}
      </span>
    </span>
  );
}
