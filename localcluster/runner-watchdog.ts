// Preloaded (node --import) into functions the local runner starts: the function exits with the
// runner that started it, even when the runner died without cleaning up. Production entries never
// load it: on Knative the platform owns the process.
const parent = Number(process.env.RUNNER_PID ?? 0);
if (parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000).unref();
}
