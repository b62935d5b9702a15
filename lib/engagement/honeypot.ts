/**
 * The honeypot link (issue 15.2): a link in campaign HTML that no person can see or reach, so a
 * click on it can only be a machine walking every link of the message. One per campaign, on our own
 * host (`GET /h/{campaignId}` answers an empty page), recognised at ingestion by its path alone, so a
 * change of APP_URL does not hide clicks on mail sent before it.
 */

const PATH = "/h/";

export function honeypotLink(appUrl: string, campaignId: string): string {
  return `${appUrl.replace(/\/+$/, "")}${PATH}${campaignId}`;
}

/** Whether `link` (a click's OriginalLink) is campaign `campaignId`'s honeypot, on whatever host. */
export function isHoneypotLink(link: string | null, campaignId: string | null): boolean {
  if (!link || !campaignId) return false;
  try {
    return new URL(link).pathname === `${PATH}${campaignId}`;
  } catch {
    return false;
  }
}

/**
 * The markup: hidden from sight (display:none, and zero size and overflow for clients that ignore
 * display), from keyboards (tabindex -1) and from screen readers (aria-hidden); no text a reader
 * could announce. Goes last in the body; never in the plain-text part.
 */
export function honeypotHtml(link: string): string {
  return `<div aria-hidden="true" style="display:none;max-height:0;overflow:hidden;font-size:0;line-height:0"><a href="${link}" tabindex="-1" aria-hidden="true" style="display:none">&#8203;</a></div>`;
}
