// Loaded with --import before anything else (NODE_OPTIONS in a test's child process): prints every module
// of the OpenTelemetry packages the process resolves, so a test can tell whether tracing loaded any.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.includes('/@opentelemetry/')) process.stderr.write(`resolved module ${resolved.url}\n`);
    return resolved;
  },
});
