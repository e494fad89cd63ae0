//! The signaling protocol spoken between the browser client and the server (see docs/protocol.md).
