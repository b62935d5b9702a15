"use client";

import { Node, type Editor } from "@tiptap/core";
import { EditorContent, useEditor, useEditorState } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import { useRef, useState } from "react";
import { inputClass } from "@/components/ui/field";
import { isSafeHref } from "@/lib/campaigns/email-html";

/**
 * The campaign's rich-text editor (Tiptap). It edits plain semantic HTML; lib/campaigns/email-html.ts
 * turns that into the email-safe HTML that is saved and sent. Keyboard: Ctrl/⌘+B, I, U for marks,
 * Ctrl/⌘+K for a link, Ctrl/⌘+Alt+1-3 for headings; the toolbar is a row of buttons with names and
 * pressed states, reachable with Tab.
 */

/** A call-to-action button: a block holding a link target and a label (a table cell with bgcolor in the email). */
const EmailButton = Node.create({
  name: "emailButton",
  group: "block",
  atom: true,
  selectable: true,
  addAttributes() {
    return { href: { default: "" }, label: { default: "" } };
  },
  parseHTML() {
    const getAttrs = (el: HTMLElement) => ({ href: el.querySelector("a")?.getAttribute("href") ?? "", label: (el.textContent ?? "").trim() });
    return [
      { tag: "div[data-email-button]", getAttrs },
      { tag: "table[data-email-button]", getAttrs, priority: 60 },
    ];
  },
  renderHTML({ node }) {
    return ["div", { "data-email-button": "" }, ["a", { href: node.attrs.href }, node.attrs.label]];
  },
});

// What the author sees while writing; the email's own styles come from toEmailHtml.
const EDITOR_CLASS = [
  "min-h-64 max-w-none px-4 py-3 text-sm leading-6 text-slate-900 focus:outline-none wrap-anywhere",
  "[&_p]:mb-3 [&_h1]:mb-3 [&_h1]:text-2xl [&_h1]:font-bold [&_h2]:mb-2 [&_h2]:text-xl [&_h2]:font-bold [&_h3]:mb-2 [&_h3]:text-lg [&_h3]:font-bold",
  "[&_a]:text-brand-700 [&_a]:underline [&_ul]:mb-3 [&_ul]:list-disc [&_ul]:pl-6 [&_ol]:mb-3 [&_ol]:list-decimal [&_ol]:pl-6",
  "[&_blockquote]:mb-3 [&_blockquote]:border-l-4 [&_blockquote]:border-slate-300 [&_blockquote]:pl-3 [&_blockquote]:text-slate-600",
  "[&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 [&_pre]:mb-3 [&_pre]:rounded [&_pre]:bg-slate-100 [&_pre]:p-3 [&_hr]:my-4",
  "[&_[data-email-button]]:mb-3 [&_[data-email-button]_a]:inline-block [&_[data-email-button]_a]:rounded-md [&_[data-email-button]_a]:bg-blue-600 [&_[data-email-button]_a]:px-5 [&_[data-email-button]_a]:py-2 [&_[data-email-button]_a]:font-bold [&_[data-email-button]_a]:text-white [&_[data-email-button]_a]:no-underline",
  "[&_.ProseMirror-selectednode]:outline-2 [&_.ProseMirror-selectednode]:outline-brand-500",
].join(" ");

type Panel = null | { kind: "link"; href: string } | { kind: "button"; href: string; label: string };

const VARIABLES = ["name", "email", "unsubscribe_url"];

export function RichTextEditor({ initialHtml, onChange, knownFields, label }: { initialHtml: string; onChange: (html: string) => void; knownFields: string[]; label: string }) {
  const [panel, setPanel] = useState<Panel>(null);
  const openLinkRef = useRef<() => void>(() => {});
  const editor = useEditor({
    // Rendered in the browser only: the server sends the toolbar and an empty frame (no hydration mismatch).
    immediatelyRender: false,
    extensions: [
      StarterKit.configure({
        heading: { levels: [1, 2, 3] },
        link: {
          openOnClick: false,
          // Off: an autolinked mark is inclusive, so text typed after a link would join it.
          autolink: false,
          defaultProtocol: "https",
          HTMLAttributes: { rel: null, target: null, class: null },
          // Personalization tags are link targets too ({{ unsubscribe_url }}); javascript: and data: never are.
          isAllowedUri: (url) => isSafeHref(url),
        },
      }),
      EmailButton,
    ],
    content: initialHtml,
    editorProps: {
      attributes: {
        "aria-label": label,
        "aria-multiline": "true",
        role: "textbox",
        "data-testid": "rich-text-body",
        class: EDITOR_CLASS,
      },
      handleKeyDown: (_view, event) => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
          event.preventDefault();
          openLinkRef.current();
          return true;
        }
        return false;
      },
    },
    onUpdate: ({ editor }) => onChange(editor.getHTML()),
  });

  const state = useEditorState({
    editor,
    selector: ({ editor: e }) =>
      e
        ? {
            bold: e.isActive("bold"),
            italic: e.isActive("italic"),
            underline: e.isActive("underline"),
            strike: e.isActive("strike"),
            h1: e.isActive("heading", { level: 1 }),
            h2: e.isActive("heading", { level: 2 }),
            h3: e.isActive("heading", { level: 3 }),
            bulletList: e.isActive("bulletList"),
            orderedList: e.isActive("orderedList"),
            blockquote: e.isActive("blockquote"),
            link: e.isActive("link"),
            canUndo: e.can().undo(),
            canRedo: e.can().redo(),
          }
        : null,
  });

  openLinkRef.current = () => {
    if (!editor) return;
    setPanel({ kind: "link", href: editor.getAttributes("link").href ?? "" });
  };

  const run = (fn: (e: Editor) => void) => () => editor && fn(editor);
  const tools: { label: string; text: string; keys?: string; pressed?: boolean; disabled?: boolean; onClick: () => void; className?: string }[] = [
    { label: "Bold", text: "B", keys: "Control+B", pressed: state?.bold, onClick: run((e) => e.chain().focus().toggleBold().run()), className: "font-bold" },
    { label: "Italic", text: "I", keys: "Control+I", pressed: state?.italic, onClick: run((e) => e.chain().focus().toggleItalic().run()), className: "italic" },
    { label: "Underline", text: "U", keys: "Control+U", pressed: state?.underline, onClick: run((e) => e.chain().focus().toggleUnderline().run()), className: "underline" },
    { label: "Strikethrough", text: "S", keys: "Control+Shift+S", pressed: state?.strike, onClick: run((e) => e.chain().focus().toggleStrike().run()), className: "line-through" },
    { label: "Heading 1", text: "H1", keys: "Control+Alt+1", pressed: state?.h1, onClick: run((e) => e.chain().focus().toggleHeading({ level: 1 }).run()) },
    { label: "Heading 2", text: "H2", keys: "Control+Alt+2", pressed: state?.h2, onClick: run((e) => e.chain().focus().toggleHeading({ level: 2 }).run()) },
    { label: "Heading 3", text: "H3", keys: "Control+Alt+3", pressed: state?.h3, onClick: run((e) => e.chain().focus().toggleHeading({ level: 3 }).run()) },
    { label: "Bulleted list", text: "• List", keys: "Control+Shift+8", pressed: state?.bulletList, onClick: run((e) => e.chain().focus().toggleBulletList().run()) },
    { label: "Numbered list", text: "1. List", keys: "Control+Shift+7", pressed: state?.orderedList, onClick: run((e) => e.chain().focus().toggleOrderedList().run()) },
    { label: "Quote", text: "❝", keys: "Control+Shift+B", pressed: state?.blockquote, onClick: run((e) => e.chain().focus().toggleBlockquote().run()) },
    { label: "Link", text: "Link", keys: "Control+K", pressed: state?.link, onClick: () => openLinkRef.current() },
    { label: "Insert button", text: "Button", onClick: () => setPanel({ kind: "button", href: "https://", label: "" }) },
    { label: "Undo", text: "↶", keys: "Control+Z", disabled: !state?.canUndo, onClick: run((e) => e.chain().focus().undo().run()) },
    { label: "Redo", text: "↷", keys: "Control+Shift+Z", disabled: !state?.canRedo, onClick: run((e) => e.chain().focus().redo().run()) },
  ];

  const closePanel = () => {
    setPanel(null);
    editor?.commands.focus();
  };

  const applyLink = (href: string) => {
    if (!editor) return;
    const target = href.trim();
    if (!target) {
      editor.chain().focus().extendMarkRange("link").unsetLink().run();
    } else if (editor.state.selection.empty && !editor.isActive("link")) {
      editor.chain().focus().insertContent({ type: "text", text: target, marks: [{ type: "link", attrs: { href: target } }] }).run();
    } else {
      editor.chain().focus().extendMarkRange("link").setLink({ href: target }).run();
    }
    setPanel(null);
  };

  const panelError = panel && panel.href.trim() && !isSafeHref(panel.href) ? "Use an http(s), mailto: or tel: address, or a tag such as {{ unsubscribe_url }}" : null;

  return (
    <div className="rounded-md border border-slate-300 bg-white shadow-sm focus-within:border-brand-500 focus-within:ring-2 focus-within:ring-brand-100">
      <div role="toolbar" aria-label="Formatting" className="flex flex-wrap items-center gap-1 border-b border-slate-200 bg-slate-50 p-1">
        {tools.map((t) => (
          <button
            key={t.label}
            type="button"
            // The visible text is part of the name (WCAG 2.5.3: a voice user says what they see): "Heading 1, H1".
            // Not in brackets: axe (like speech tools) ignores bracketed words when matching.
            aria-label={t.label.toLowerCase().includes(t.text.replace(/[^\p{L}\p{N} ]/gu, "").trim().toLowerCase()) ? t.label : `${t.label}, ${t.text}`}
            aria-pressed={t.pressed === undefined ? undefined : Boolean(t.pressed)}
            aria-keyshortcuts={t.keys}
            title={t.keys ? `${t.label} (${t.keys.replace("Control", "Ctrl")})` : t.label}
            disabled={!editor || t.disabled}
            onMouseDown={(e) => e.preventDefault()} // keep the editor's selection
            onClick={t.onClick}
            className={`min-w-8 rounded px-2 py-1 text-xs text-slate-700 hover:bg-white disabled:text-slate-400 aria-pressed:bg-slate-800 aria-pressed:text-white ${t.className ?? ""}`}
          >
            {t.text}
          </button>
        ))}
        <label className="ml-auto flex items-center gap-1 text-xs text-slate-700">
          <span className="sr-only sm:not-sr-only">Insert</span>
          <select
            aria-label="Insert a personalization variable"
            value=""
            disabled={!editor}
            onChange={(e) => {
              if (e.target.value) editor?.chain().focus().insertContent(`{{ ${e.target.value} }}`).run();
            }}
            className="rounded border border-slate-300 bg-white px-1 py-1 text-xs"
          >
            <option value="">variable…</option>
            {[...VARIABLES, ...knownFields.map((k) => `fields.${k}`)].map((v) => (
              <option key={v} value={v}>{`{{ ${v} }}`}</option>
            ))}
          </select>
        </label>
      </div>
      {panel ? (
        <div
          className="flex flex-wrap items-end gap-2 border-b border-slate-200 bg-white p-2"
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              closePanel();
            }
          }}
        >
          {panel.kind === "button" ? (
            <label className="min-w-40 flex-1 text-xs font-medium text-slate-700">
              Button text
              <input autoFocus value={panel.label} onChange={(e) => setPanel({ ...panel, label: e.target.value })} className={`${inputClass} mt-1`} />
            </label>
          ) : null}
          <label className="min-w-48 flex-[2] text-xs font-medium text-slate-700">
            {panel.kind === "link" ? "Link address" : "Button link"}
            <input
              autoFocus={panel.kind === "link"}
              value={panel.href}
              placeholder="https://example.com"
              aria-invalid={panelError ? true : undefined}
              aria-describedby={panelError ? "link-panel-error" : undefined}
              onChange={(e) => setPanel({ ...panel, href: e.target.value })}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  if (panel.kind === "link" && !panelError) applyLink(panel.href);
                }
              }}
              className={`${inputClass} mt-1`}
            />
          </label>
          <div className="flex gap-2">
            <button
              type="button"
              disabled={Boolean(panelError) || (panel.kind === "button" && (!panel.label.trim() || !panel.href.trim()))}
              onClick={() => {
                if (panel.kind === "link") return applyLink(panel.href);
                editor?.chain().focus().insertContent({ type: "emailButton", attrs: { href: panel.href.trim(), label: panel.label.trim() } }).run();
                setPanel(null);
              }}
              className="rounded-md bg-brand-600 px-3 py-2 text-xs font-medium text-white disabled:bg-brand-600/50"
            >
              {panel.kind === "link" ? "Apply link" : "Insert button"}
            </button>
            {panel.kind === "link" && state?.link ? (
              <button type="button" onClick={() => applyLink("")} className="rounded-md border border-slate-300 px-3 py-2 text-xs">
                Remove link
              </button>
            ) : null}
            <button type="button" onClick={closePanel} className="rounded-md border border-slate-300 px-3 py-2 text-xs">
              Cancel
            </button>
          </div>
          {panelError ? (
            <p id="link-panel-error" className="w-full text-xs text-red-600">
              {panelError}
            </p>
          ) : null}
        </div>
      ) : null}
      <EditorContent editor={editor} />
      {!editor ? <div className="min-h-64 px-4 py-3 text-sm text-slate-400">Loading the editor…</div> : null}
    </div>
  );
}
