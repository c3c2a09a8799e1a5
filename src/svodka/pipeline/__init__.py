"""The processing stages: one module each, pure functions over small dataclasses."""
