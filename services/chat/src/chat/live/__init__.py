"""Realtime delivery: NATS fan-out between nodes, SSE and WebSocket streams to clients."""
