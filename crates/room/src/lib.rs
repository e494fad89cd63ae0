//! Room logic without I/O: who may do what, and what everyone sees (see docs/ARCHITECTURE.md).
