"""Price streams: each source's protocol as pure code (subscribe frames, frame -> Ticks), the
demo ticks, and the one connection doing their I/O. Imports config, providers and websockets."""
