import type { IncomingHttpHeaders } from 'node:http';

/**
 * Why a request to a local listener on `port` must be refused, or `undefined` to serve it. A web
 * page can send requests to 127.0.0.1 (a simple `text/plain` POST needs no preflight), and DNS
 * rebinding lets it read the answers under its own host name: so the `Host` must name loopback
 * with the listener's port, and an `Origin`, which browsers send on cross-origin requests, must be
 * the listener's own. The moto guard (`moto_server.py`) applies the same rule.
 */
export function foreignRequestReason(headers: IncomingHttpHeaders, port: number): string | undefined {
  const host = headers.host ?? '';
  if (!loopbackHosts(port).includes(host.toLowerCase())) {
    return `Host ${JSON.stringify(host.slice(0, 100))} is not this machine's loopback address: the local platform only serves 127.0.0.1:${port}, localhost:${port} or [::1]:${port}`;
  }
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}`) {
    return `requests from web pages (Origin ${JSON.stringify(origin.slice(0, 100))}) are refused: the local platform serves the SDK, the CLI and local tools only`;
  }
  return undefined;
}

const loopbackHosts = (port: number) => ['127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${port}`);
