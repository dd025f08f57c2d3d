/**
 * Calls `stop` once this process's parent is gone. `npm run local` starts `sh -c`, which starts
 * tsx, which starts this process: `npm` passes SIGINT and SIGTERM only to its own child, and a
 * shell that gets one dies without passing it on (the scripts `exec` tsx, which relays them, so
 * a signal to the npm process does arrive). A parent that dies without relaying anything (killed
 * with SIGKILL, or started another way) leaves this process to the init process: the parent
 * process id changes, and the platform stops rather than run on unowned.
 */
export function stopWithParent(stop: (why: string) => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop(`its parent process ${parent} ended`);
    }
  }, intervalMs);
  // It must not be what keeps the process alive.
  timer.unref();
}
