import http from "node:http";

/**
 * A keep-alive HTTP client agent (benchmarks and drills) that drops an idle socket a second before the
 * server would. Node's agent reads the server's `Keep-Alive: timeout=N` hint only when the agent has a
 * `timeout` of its own; without one it keeps idle sockets forever, and a request written to a socket as
 * the server closes it (`next start` does after 5 s idle) fails with ECONNRESET, counted as a request
 * the app never answered. The timeout itself (2 minutes without a byte) only emits an event on a busy
 * socket; nothing is aborted by it.
 */
export function keepAliveAgent(options: Omit<http.AgentOptions, "keepAlive"> = {}): http.Agent {
  return new http.Agent({ keepAlive: true, timeout: 120_000, ...options });
}
