import type { Metadata } from "next";
import { HydrationMarker } from "@/components/layout/hydration-marker";
import "./globals.css";

// Every page depends on the session and the database; nothing is prerendered at build time, so a
// build needs no secrets and never bakes data into HTML.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Postline", template: "%s · Postline" },
  description: "Email campaigns on Postmark",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        {children}
        <HydrationMarker />
      </body>
    </html>
  );
}
