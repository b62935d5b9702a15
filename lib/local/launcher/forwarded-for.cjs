// Preloaded into the app's process (`next start`, `next dev`) by the launcher, which stands in for the
// platform's front proxy. Route handlers never see the socket, only headers, and `next start` writes
// the socket's address into X-Forwarded-For only when the client sent none: a client that sends its
// own header would choose the address the app rate-limits and records. So every request gets the
// socket's address appended, as a proxy appends the address it saw (nginx's $proxy_add_x_forwarded_for):
// the last entry is then always the hop that really connected, and lib/http/client-ip.ts believes the
// entries left of it only through TRUSTED_PROXIES.
const http = require("node:http");

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req) {
  if (event === "request" && req && req.socket && req.socket.remoteAddress) {
    const sent = req.headers["x-forwarded-for"];
    req.headers["x-forwarded-for"] = sent ? `${sent}, ${req.socket.remoteAddress}` : req.socket.remoteAddress;
  }
  return emit.apply(this, arguments);
};
