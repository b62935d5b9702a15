import { ServerClient } from "postmark";

/**
 * The one way Postline talks to Postmark: the official client, pointed at the real API or at the
 * sandbox. The client takes a host and a scheme rather than a URL, so the URL is split here.
 */
export function createPostmarkClient(options: { serverToken: string; apiUrl: string; timeoutSeconds?: number }): ServerClient {
  const url = new URL(options.apiUrl);
  if (url.pathname !== "/" && url.pathname !== "") {
    throw new Error(`POSTMARK_API_URL must be a bare origin such as https://api.postmarkapp.com (got ${options.apiUrl})`);
  }
  return new ServerClient(options.serverToken, {
    requestHost: url.host,
    useHttps: url.protocol === "https:",
    timeout: options.timeoutSeconds ?? 30,
  });
}
