import { AccountClient, ServerClient } from "postmark";

export interface PostmarkClientConfig {
  serverToken: string;
  /** Base URL of the Postmark API, e.g. `https://api.postmarkapp.com` or the sandbox's `http://127.0.0.1:4010`. */
  apiUrl: string;
  /**
   * Total deadline per request (postmark.js 5 aborts the fetch after it). Default 30 s: the library's
   * 180 s would outlive a serverless function, leaving the caller no time to record "outcome unknown".
   */
  timeoutSeconds?: number;
}

/**
 * The official postmark.js client pointed at `apiUrl`. postmark.js has no base-URL option: it builds
 * `(useHttps ? "https" : "http") + "://" + requestHost + path`, so the URL is split into those two.
 * A path prefix cannot be expressed that way, hence refused rather than silently dropped.
 */
export function createPostmarkClient(config: PostmarkClientConfig): ServerClient {
  const { requestHost, useHttps } = parsePostmarkApiUrl(config.apiUrl);
  return new ServerClient(config.serverToken, {
    requestHost,
    useHttps,
    timeout: config.timeoutSeconds ?? 30,
  });
}

/**
 * postmark.js's AccountClient (domains, sender signatures: `X-Postmark-Account-Token`), pointed at
 * `apiUrl` the same way as the server client.
 */
export function createPostmarkAccountClient(config: { accountToken: string; apiUrl: string; timeoutSeconds?: number }): AccountClient {
  const { requestHost, useHttps } = parsePostmarkApiUrl(config.apiUrl);
  return new AccountClient(config.accountToken, { requestHost, useHttps, timeout: config.timeoutSeconds ?? 30 });
}

export function parsePostmarkApiUrl(apiUrl: string): { requestHost: string; useHttps: boolean } {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new Error(`Postmark API URL is not a URL: ${JSON.stringify(apiUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`Postmark API URL must be http or https, got ${url.protocol}`);
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    throw new Error(`Postmark API URL must not have a path (postmark.js cannot use one): ${apiUrl}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(`Postmark API URL must be scheme, host and optional port only: ${apiUrl}`);
  }
  // url.host keeps a non-default port and drops a default one, which is what requestHost expects.
  return { requestHost: url.host, useHttps: url.protocol === "https:" };
}
