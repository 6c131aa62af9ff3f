/**
 * Servers this project starts listen on 127.0.0.1 only, on a port the OS assigns, and
 * close without waiting on idle keep-alive sockets. One place for both rules.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1 at an OS-assigned port; resolves to the port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(portOf(server));
    });
  });
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Closes a server once, however often it is asked; SDK clients' keep-alive sockets would otherwise hold it open. */
export function closeOnce(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
}
