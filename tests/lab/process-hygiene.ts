// Process hygiene for lab servers (Kamailio, rtpengine, Radicale): they must never outlive the
// test process. Each runs in its own process group (detached), so a server's own signal
// handling can never reach the test runner and a SIGKILL of the group takes its workers too.
// Two safety nets for the test process going away:
//  * process 'exit' -> each live server's synchronous emergency cleanup (normal exit, uncaught
//    error);
//  * a per-server watchdog `sh` holding a pipe from us: when this process dies for any reason
//    (even SIGKILL) the pipe hits EOF and the watchdog SIGKILLs the last group it was told and
//    removes the temp folder.
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';

/** Something to clean up synchronously if the test process exits with it still running. */
export interface EmergencyCleanup {
  emergencyCleanup(): void;
}

const live = new Set<EmergencyCleanup>();
let exitHookInstalled = false;

/** Registers a live server for the exit hook; returns the function that unregisters it. */
export function cleanUpOnExit(server: EmergencyCleanup): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const entry of live) entry.emergencyCleanup();
    });
  }
  live.add(server);
  return () => {
    live.delete(server);
  };
}

// $1 = the server's temp folder. Input lines: a pgid (the running group), an empty line (none
// running) or "keep" (don't delete the folder). On EOF: SIGKILL the last group, remove the folder.
const WATCHDOG_SCRIPT = [
  'dir=$1; pg=; rmdir=1',
  'while IFS= read -r l; do',
  '  case $l in keep) rmdir=0 ;; *) pg=$l ;; esac',
  'done',
  '[ -n "$pg" ] && kill -s KILL -- "-$pg" 2>/dev/null',
  '[ "$rmdir" = 1 ] && [ -n "$dir" ] && rm -rf -- "$dir"',
  'exit 0',
].join('\n');

/** A watchdog for `dir` ('' = no folder to remove); `name` shows in ps. See WATCHDOG_SCRIPT. */
export function spawnWatchdog(dir: string, name: string): ChildProcess {
  const wd = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, name, dir], {
    detached: true, // not in our process group: survives a group-wide signal to the test run
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  wd.on('error', () => {});
  wd.stdin?.on('error', () => {}); // EPIPE if it died: nothing we can do
  // Neither the process nor the pipe may keep the test process alive.
  wd.unref();
  (wd.stdin as unknown as net.Socket | null)?.unref();
  return wd;
}
