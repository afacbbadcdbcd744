"""The shared test harness: what the tests and the benchmarks (bench/) both run on.

Real components on loopback (services: redis-server and gunicorn; nginx_server), the fake
upstream and the open edition's recorded payloads on it (fakeupstream, openfake), fakes of
vendor SDKs and providers (fakes), page-tree helpers (pages), the webhook receiver, hostile
payload builders (hostile_feeds, hostile_requests), the bodies a browser posts (dashreq), what
a server's logs say (serverlog), and the load and soak drivers with their kiosk watcher (load,
soak, kiosk, demo), and a loopback WebSocket server speaking the exchanges' stream
protocols with their faults (fakestream). Paths (the recorded fixtures) are defined once, in paths.

Imports: the app's own packages, and other modules of this package. Never a test module,
a conftest or bench: tests and bench import from here, not from each other.
"""
